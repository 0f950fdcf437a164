/**
 * The configuration model: Cedar's `cb_config` document as typed, read-only data. Fields
 * hold what the file says (absent = `undefined`), exactly as Cedar's Config object does, so
 * writing a config back gives the same document; the effective values (inheritance and
 * defaults) come from the functions in config/normalize.ts.
 */

/** How Cedar collects an item: every day, on the start of the week, or only changed files. */
export type CollectMode = "daily" | "weekly" | "incr";
/** Archive format of a collected item. */
export type ArchiveMode = "tar" | "targz" | "tarbz2";
/** Which staging failures of a peer are tolerated silently. */
export type IgnoreFailures = "none" | "all" | "daily" | "weekly";
/** Lower-case English day name. */
export type DayOfWeek =
  "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday" | "sunday";
export type MediaType = "cdr-74" | "cdrw-74" | "cdr-80" | "cdrw-80" | "dvd+r" | "dvd+rw";
export type DeviceType = "cdwriter" | "dvdwriter";
export type OrderMode = "index" | "dependency";

/** Source position of an element, for messages that arise after loading. */
export interface SourceLocation {
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
}

/** `<reference>`: free text about the file; never validated. */
export interface ReferenceConfig {
  readonly author?: string;
  readonly revision?: string;
  readonly description?: string;
  readonly generator?: string;
}

/** `<depends>` of an extended action (dependency order mode). */
export interface ActionDependencies {
  readonly runBefore?: readonly string[];
  readonly runAfter?: readonly string[];
}

/** `<extensions><action>`: an extended action and where its code lives. */
export interface ExtendedAction {
  readonly name?: string;
  /** Python module (`CedarBackup3.extend.mysql`) or an ES module specifier. */
  readonly module?: string;
  readonly function?: string;
  readonly index?: number;
  readonly depends?: ActionDependencies;
  readonly location?: SourceLocation;
}

/** `<extensions>`. */
export interface ExtensionsConfig {
  readonly orderMode?: OrderMode;
  readonly actions?: readonly ExtendedAction[];
}

/** `<options><override>`: use `absPath` whenever `command` is run. */
export interface CommandOverride {
  readonly command?: string;
  readonly absPath?: string;
}

/** `<options><pre_action_hook>` / `<post_action_hook>`. */
export interface ActionHook {
  readonly type: "pre" | "post";
  readonly action?: string;
  readonly command?: string;
}

/** `<options>`. */
export interface OptionsConfig {
  readonly startingDay?: DayOfWeek;
  readonly workingDir?: string;
  readonly backupUser?: string;
  readonly backupGroup?: string;
  readonly rcpCommand?: string;
  readonly rshCommand?: string;
  readonly cbackCommand?: string;
  readonly managedActions?: readonly string[];
  readonly overrides?: readonly CommandOverride[];
  readonly hooks?: readonly ActionHook[];
}

/** A `<peer>` of type `local`. */
export interface LocalPeerConfig {
  readonly type: "local";
  readonly name?: string;
  readonly collectDir?: string;
  readonly ignoreFailures?: IgnoreFailures;
}

/** A `<peer>` of type `remote`. */
export interface RemotePeerConfig {
  readonly type: "remote";
  readonly name?: string;
  readonly collectDir?: string;
  readonly backupUser?: string;
  readonly rcpCommand?: string;
  readonly rshCommand?: string;
  readonly cbackCommand?: string;
  readonly managed?: boolean;
  readonly managedActions?: readonly string[];
  readonly ignoreFailures?: IgnoreFailures;
}

/** `<peers>` (or the peers inside `<stage>`): local peers, then remote peers. */
export interface PeersConfig {
  readonly localPeers?: readonly LocalPeerConfig[];
  readonly remotePeers?: readonly RemotePeerConfig[];
}

/** `<collect><file>`. */
export interface CollectFile {
  readonly absPath?: string;
  readonly collectMode?: CollectMode;
  readonly archiveMode?: ArchiveMode;
}

/** `<collect><dir>`. */
export interface CollectDir {
  readonly absPath?: string;
  readonly collectMode?: CollectMode;
  readonly archiveMode?: ArchiveMode;
  readonly ignoreFile?: string;
  readonly linkDepth?: number;
  readonly dereference?: boolean;
  readonly recursionLevel?: number;
  readonly absoluteExcludePaths?: readonly string[];
  readonly relativeExcludePaths?: readonly string[];
  readonly excludePatterns?: readonly string[];
}

/** `<collect>`. */
export interface CollectConfig {
  readonly targetDir?: string;
  readonly collectMode?: CollectMode;
  readonly archiveMode?: ArchiveMode;
  readonly ignoreFile?: string;
  /**
   * `<stat_cache>` (beyond Cedar, ignored by cback3): Y (default) lets incremental collects
   * reuse the digest of a file whose device, inode, size, mtime and ctime are unchanged; N
   * hashes every file every day, as Cedar does.
   */
  readonly statCache?: boolean;
  readonly absoluteExcludePaths?: readonly string[];
  readonly excludePatterns?: readonly string[];
  readonly collectFiles?: readonly CollectFile[];
  readonly collectDirs?: readonly CollectDir[];
}

/** `<stage>`. */
export interface StageConfig {
  readonly targetDir?: string;
  /**
   * `<concurrency>` (beyond Cedar, ignored by cback3): how many peers are staged at the same
   * time, an integer >= 1. Default 1: one after the other in Cedar's order.
   */
  readonly concurrency?: number;
  /**
   * `<share_connection>` (beyond Cedar, ignored by cback3): when the rcp command is OpenSSH
   * `scp`, the copies of one remote peer (indicator fetch, files, indicator push) share one
   * ssh connection. Default true; false runs Cedar's exact argv.
   */
  readonly shareConnection?: boolean;
  readonly localPeers?: readonly LocalPeerConfig[];
  readonly remotePeers?: readonly RemotePeerConfig[];
}

/** `<store><blank_behavior>`. */
export interface BlankBehavior {
  readonly blankMode?: "daily" | "weekly";
  /** The factor as written (a float string >= 0). */
  readonly blankFactor?: string;
}

/** `<store>`. */
export interface StoreConfig {
  readonly sourceDir?: string;
  readonly mediaType?: MediaType;
  readonly deviceType?: DeviceType;
  readonly devicePath?: string;
  readonly deviceScsiId?: string;
  readonly driveSpeed?: number;
  readonly checkData?: boolean;
  readonly checkMedia?: boolean;
  readonly warnMidnite?: boolean;
  readonly noEject?: boolean;
  readonly refreshMediaDelay?: number;
  readonly ejectDelay?: number;
  readonly blankBehavior?: BlankBehavior;
}

/** `<purge><dir>`. */
export interface PurgeDir {
  readonly absPath?: string;
  readonly retainDays?: number;
}

/** `<purge>`. */
export interface PurgeConfig {
  readonly purgeDirs?: readonly PurgeDir[];
}

/** The whole core document. A section is `undefined` when the file has none. */
export interface Config {
  readonly reference?: ReferenceConfig;
  readonly extensions?: ExtensionsConfig;
  readonly options?: OptionsConfig;
  readonly peers?: PeersConfig;
  readonly collect?: CollectConfig;
  readonly stage?: StageConfig;
  readonly store?: StoreConfig;
  readonly purge?: PurgeConfig;
}
