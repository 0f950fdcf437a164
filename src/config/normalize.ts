/**
 * Effective values: Cedar's defaults and inheritance applied to the as-written Config.
 * Pure functions; actions call these instead of reading fields with their own fallbacks,
 * so each rule (a dir inherits its collect mode, a remote peer inherits its user, stage
 * peers replace `<peers>`...) lives in exactly one place.
 */
import type {
  ArchiveMode,
  CollectConfig,
  CollectDir,
  CollectFile,
  CollectMode,
  Config,
  DeviceType,
  ExtensionsConfig,
  IgnoreFailures,
  LocalPeerConfig,
  OptionsConfig,
  OrderMode,
  RemotePeerConfig,
  StoreConfig,
} from "./types.js";

/** Cedar's rsh command when neither the peer nor `<options>` gives one. */
export const DEFAULT_RSH_COMMAND = "/usr/bin/ssh";
/** Cedar's cback command for a managed peer when neither the peer nor `<options>` gives one. */
export const DEFAULT_CBACK_COMMAND = "/usr/bin/cback3";
/** Cedar's rcp command when neither the peer nor `<options>` gives one. */
export const DEFAULT_RCP_COMMAND = "/usr/bin/scp -B -q -C";

/** Collect mode of a file or dir: its own, else the `<collect>` default. */
export function effectiveCollectMode(
  item: CollectFile | CollectDir,
  collect: CollectConfig,
): CollectMode | undefined {
  return item.collectMode ?? collect.collectMode;
}

/** Archive mode of a file or dir: its own, else the `<collect>` default. */
export function effectiveArchiveMode(
  item: CollectFile | CollectDir,
  collect: CollectConfig,
): ArchiveMode | undefined {
  return item.archiveMode ?? collect.archiveMode;
}

/** Ignore-file name of a dir: its own, else the `<collect>` default. */
export function effectiveIgnoreFile(dir: CollectDir, collect: CollectConfig): string | undefined {
  return dir.ignoreFile ?? collect.ignoreFile;
}

/** How many levels of symbolic links a dir follows (default 0: none). */
export function effectiveLinkDepth(dir: CollectDir): number {
  return dir.linkDepth ?? 0;
}

/** Whether followed links are archived as their targets (default false). */
export function effectiveDereference(dir: CollectDir): boolean {
  return dir.dereference ?? false;
}

/** How many levels below a dir get their own archive (default 0; negative = unlimited). */
export function effectiveRecursionLevel(dir: CollectDir): number {
  return dir.recursionLevel ?? 0;
}

/**
 * Python's `os.path.join(base, part)`: a part starting with `/` replaces the base;
 * otherwise one `/` is inserted unless the base is empty or already ends with one.
 * Nothing is normalised (unlike `path.posix.join`), which keeps Cedar's exclusion strings.
 */
export function joinPythonPath(base: string, part: string): string {
  if (part.startsWith("/")) return part;
  if (base === "" || base.endsWith("/")) return base + part;
  return `${base}/${part}`;
}

/** What collect leaves out of one dir. */
export interface DirExclusions {
  /** Absolute paths excluded (compared as strings against walked paths). */
  readonly absolutePaths: readonly string[];
  /** Python regular expressions matched against whole absolute paths. */
  readonly patterns: readonly string[];
}

/**
 * Exclusions of a dir, in Cedar's order: the collect-level absolute paths, the dir's own
 * absolute paths, then each of its `rel_path`s joined onto its `abs_path`; patterns are
 * the collect-level ones followed by the dir's own.
 */
export function dirExclusions(dir: CollectDir, collect: CollectConfig): DirExclusions {
  const relative = (dir.relativeExcludePaths ?? []).map((rel) =>
    joinPythonPath(dir.absPath ?? "", rel),
  );
  return {
    absolutePaths: [
      ...(collect.absoluteExcludePaths ?? []),
      ...(dir.absoluteExcludePaths ?? []),
      ...relative,
    ],
    patterns: [...(collect.excludePatterns ?? []), ...(dir.excludePatterns ?? [])],
  };
}

/** Which peer failures are tolerated silently (default `none`). */
export function effectiveIgnoreFailures(peer: LocalPeerConfig | RemotePeerConfig): IgnoreFailures {
  return peer.ignoreFailures ?? "none";
}

/** Login used on a remote peer: its `backup_user`, else the one of `<options>`. */
export function effectiveRemoteUser(
  peer: RemotePeerConfig,
  options: OptionsConfig | undefined,
): string | undefined {
  return peer.backupUser ?? options?.backupUser;
}

/** Copy command for a remote peer: its own, else `<options>`, else Cedar's default. */
export function effectiveRcpCommand(
  peer: RemotePeerConfig,
  options: OptionsConfig | undefined,
): string {
  return peer.rcpCommand ?? options?.rcpCommand ?? DEFAULT_RCP_COMMAND;
}

/** The peers the stage action copies from, and which section listed them. */
export interface StagePeers {
  /** `stage` when `<stage>` lists any peer, `peers` when `<peers>` does, else `none`. */
  readonly source: "stage" | "peers" | "none";
  readonly localPeers: readonly LocalPeerConfig[];
  readonly remotePeers: readonly RemotePeerConfig[];
}

/**
 * Peers to stage: if `<stage>` lists any peer (local or remote) its lists replace the
 * `<peers>` section entirely; otherwise the `<peers>` lists are used. Staging order is all
 * local peers, then all remote peers.
 */
export function stagePeers(config: Config): StagePeers {
  const stage = config.stage;
  if ((stage?.localPeers?.length ?? 0) + (stage?.remotePeers?.length ?? 0) > 0) {
    return {
      source: "stage",
      localPeers: stage?.localPeers ?? [],
      remotePeers: stage?.remotePeers ?? [],
    };
  }
  const peers = config.peers;
  if ((peers?.localPeers?.length ?? 0) + (peers?.remotePeers?.length ?? 0) > 0) {
    return {
      source: "peers",
      localPeers: peers?.localPeers ?? [],
      remotePeers: peers?.remotePeers ?? [],
    };
  }
  return { source: "none", localPeers: [], remotePeers: [] };
}

/** A managed remote peer with every inherited value resolved. */
export interface ManagedPeer {
  readonly name: string | undefined;
  /** Login on the peer: its `backup_user`, else the options one. */
  readonly remoteUser: string | undefined;
  /** Remote shell: peer, else options, else {@link DEFAULT_RSH_COMMAND}. */
  readonly rshCommand: string;
  /** cback on the peer: peer, else options, else {@link DEFAULT_CBACK_COMMAND}. */
  readonly cbackCommand: string;
  /** Actions to run there: the peer's list if it has one (even empty), else the options list. */
  readonly managedActions: readonly string[];
  readonly peer: RemotePeerConfig;
}

/**
 * Managed peers: only the remote peers of `<peers>` with `managed` Y, in config order
 * (peers listed in `<stage>` are never managed).
 */
export function managedPeers(config: Config): readonly ManagedPeer[] {
  const options = config.options;
  return (config.peers?.remotePeers ?? [])
    .filter((peer) => peer.managed === true)
    .map((peer) => ({
      name: peer.name,
      remoteUser: effectiveRemoteUser(peer, options),
      rshCommand: peer.rshCommand ?? options?.rshCommand ?? DEFAULT_RSH_COMMAND,
      cbackCommand: peer.cbackCommand ?? options?.cbackCommand ?? DEFAULT_CBACK_COMMAND,
      managedActions: peer.managedActions ?? options?.managedActions ?? [],
      peer,
    }));
}

/**
 * Program path overrides from `<options><override>`: command name -> absolute path. As in
 * Cedar a later entry for the same command wins, an entry without a command is ignored, and
 * one without a path maps the command to `undefined` (running it then fails).
 */
export function commandOverrides(
  options: OptionsConfig | undefined,
): ReadonlyMap<string, string | undefined> {
  const overrides = new Map<string, string | undefined>();
  for (const override of options?.overrides ?? []) {
    if (override.command !== undefined) overrides.set(override.command, override.absPath);
  }
  return overrides;
}

/** Writer type of `<store>` (default `cdwriter`). */
export function effectiveDeviceType(store: StoreConfig): DeviceType {
  return store.deviceType ?? "cdwriter";
}

/** How extended actions are ordered (default `index`). */
export function effectiveOrderMode(extensions: ExtensionsConfig | undefined): OrderMode {
  return extensions?.orderMode ?? "index";
}
