/**
 * The files collect archives, chosen exactly as Cedar's BackupFileList does
 * (cedar-core.md §4.1, §3.1): only regular files and symbolic links, in raw directory
 * listing order, with Cedar's exclusions, ignore file and link-depth rules.
 *
 * Synchronous on purpose: on trees of hundreds of thousands of files the per-call cost of
 * asynchronous IO dominates the walk. Paths are Python-style strings (surrogateescape, see
 * domain/fs-name.ts), so file names that are not UTF-8 are selected and archived intact.
 */
import { existsSync, lstatSync, readlinkSync, statSync, type Stats } from "node:fs";
import { decodeFsName, fsPathOf } from "../domain/fs-name.js";
import {
  describeKind,
  EntryStat,
  errorCode,
  kindOf,
  listedArray,
  PackedListing,
  readEntries,
  type DiskPath,
  type Listed,
  type ListedEntry,
} from "./list-directory.js";
import { DirentKind, WalkPrefetcher } from "./walk-prefetch.js";

export { EntryStat } from "./list-directory.js";

/** Exclusions shared by {@link selectDirContents} and {@link listSubdirectories}. */
export interface ExclusionOptions {
  /** Paths left out, compared as exact strings with the walked paths (no trailing `/`). */
  readonly excludePaths: ReadonlySet<string> | readonly string[];
  /** Patterns tested against whole paths, already anchored (domain/python-regex.ts). */
  readonly excludePatterns: readonly RegExp[];
  /** Patterns tested against the last path component only. */
  readonly excludeBasenamePatterns?: readonly RegExp[];
}

/** How {@link selectDirContents} walks a `<dir>`. */
export interface SelectOptions extends ExclusionOptions {
  /** A directory holding a file (or anything) of this name is skipped with its subtree. */
  readonly ignoreFile?: string;
  /**
   * Depth below the walked directory down to which symbolic links to directories are
   * followed: 0 follows none, 1 those directly inside it, and so on. It drops by one at
   * every directory level, whether entered through a link or not.
   */
  readonly linkDepth: number;
  /** Whether followed links also bring in their targets under the targets' own paths. */
  readonly dereference: boolean;
  /**
   * Entries listed before a helper thread starts listing ahead of the walk (walk-prefetch.ts);
   * default {@link PREFETCH_AFTER}. Small trees never start one.
   */
  readonly prefetchAfter?: number;
  /**
   * Whether each selected file gets its `lstat` (default true). False leaves `stat` out for
   * files the directory listing already says are regular: a caller that opens and fstats
   * them anyway (a full archive) is spared a system call per file.
   */
  readonly statFiles?: boolean;
}

/** Entries a walk lists by itself before it starts a helper thread. */
export const PREFETCH_AFTER = 4000;

/** One selected path. */
export interface SelectedEntry {
  /** Absolute path as Cedar spells it (Python surrogateescape string). */
  readonly path: string;
  /** `link` for a symbolic link (to a file or a directory), stored as a link. */
  readonly kind: "file" | "link";
  /**
   * `lstat` of the path, taken when it was selected; absent only for a regular file (by its
   * directory entry) of a walk with `statFiles: false`.
   */
  readonly stat?: EntryStat;
}

/** An entry's `lstat`: the one taken at selection, else taken now (throws when it fails). */
export function entryStat(entry: SelectedEntry): EntryStat {
  return entry.stat ?? new EntryStat(lstatSync(fsPathOf(entry.path)));
}

/** Told about every path left out for a reason other than the configured exclusions. */
export type SkipReporter = (path: string, reason: string) => void;

/**
 * Cedar's `BackupFileList.addDirContents(dir, linkDepth, dereference)`.
 *
 * `dir` loses one trailing `/`; it must be a directory or a link to one, else this throws
 * naming the path. Nothing is selected from a directory that is excluded, matches a
 * pattern or holds the ignore file. Entries come in raw listing order (as Python's
 * `os.listdir`, not sorted), joined with `/`:
 * - a file, or a link to a file, is selected; when `linkDepth > 0` and `dereference`, a
 *   link's target (made absolute against the link's directory) is selected before it;
 * - a real directory is walked with `linkDepth - 1`; directories themselves are never
 *   selected;
 * - a link to a directory with `linkDepth > 0` is walked with `linkDepth - 1`: with
 *   `dereference` under its target's path and then the link itself is selected, without
 *   it under the link's path; with `linkDepth <= 0` the link itself is selected;
 * - anything else (broken link, FIFO, socket, device) is reported to `onSkip`.
 * If `dir` itself is a link, it is selected too. Paths are not de-duplicated: with
 * `dereference` a target inside the tree appears twice, as in Cedar.
 *
 * Beyond Cedar, which would crash or loop: an unreadable directory is reported to
 * `onSkip` and the walk goes on, and a link leading back to a directory being walked is
 * not entered again (also reported).
 */
export function selectDirContents(
  dir: string,
  options: SelectOptions,
  onSkip: SkipReporter = ignoreSkip,
): SelectedEntry[] {
  return [...iterateDirContents(dir, options, onSkip)];
}

/**
 * {@link selectDirContents} as a lazy sequence: the same entries in the same order, found
 * as they are asked for, so a large tree is never held in memory whole. `dir` is checked
 * (and this throws) at the call; the walk itself runs as the sequence is consumed, and
 * `onSkip` is called along the way.
 */
export function iterateDirContents(
  dir: string,
  options: SelectOptions,
  onSkip: SkipReporter = ignoreSkip,
): Generator<SelectedEntry, void, undefined> {
  const path = normalizeDir(dir);
  const bytes = fsPathOf(path);
  const target = statDirectory(bytes, path);
  const walk: Walk = {
    filter: exclusionFilter(options),
    ignoreFile: options.ignoreFile,
    dereference: options.dereference,
    onSkip,
    statFiles: options.statFiles ?? true,
    walking: new Set(),
    frontier: [],
    listedUntilPrefetch: options.prefetchAfter ?? PREFETCH_AFTER,
    prefetch: undefined,
  };
  return walkWithHelper(
    walk,
    walkDirectory(walk, { path, bytes }, target, true, options.linkDepth),
  );
}

/** `walking`, then the walk's helper thread stopped (also when the consumer stops early). */
function* walkWithHelper(
  walk: Walk,
  walking: Generator<SelectedEntry, void, undefined>,
): Generator<SelectedEntry, void, undefined> {
  try {
    yield* walking;
  } finally {
    walk.prefetch?.close();
  }
}

/**
 * Cedar's `BackupFileList.addFile` for a `<file>` entry: `path` must be a file or a link
 * to one, else this throws naming the path. A link is selected as a link. No exclusions
 * apply.
 */
export function selectFile(path: string): SelectedEntry {
  const bytes = fsPathOf(path);
  if (statOrUndefined(bytes)?.isFile() !== true) {
    throw new Error(`path is not a file or does not exist on disk: ${path}`);
  }
  const stat = lstatSync(bytes);
  return { path, kind: stat.isSymbolicLink() ? "link" : "file", stat: new EntryStat(stat) };
}

/**
 * The immediate real subdirectories of `dir` (links to directories excluded), for
 * `recursion_level`: Cedar's FilesystemList with files and links excluded, walked without
 * recursion. `dir` loses one trailing `/` and must be a directory or a link to one, else
 * this throws naming the path. Exclusions apply to `dir` and to each subdirectory; the
 * ignore file is not consulted. Raw listing order. An unreadable `dir` is reported to
 * `onSkip` and yields nothing.
 */
export function listSubdirectories(
  dir: string,
  options: ExclusionOptions,
  onSkip: SkipReporter = ignoreSkip,
): string[] {
  const path = normalizeDir(dir);
  const bytes = fsPathOf(path);
  statDirectory(bytes, path);
  const filter = exclusionFilter(options);
  if (filter(path)) return [];
  const subdirectories: string[] = [];
  for (const entry of readEntries({ path, bytes }, onSkip)) {
    if (entry.kind === DirentKind.directory && !filter(entry.path)) {
      subdirectories.push(entry.path);
    }
  }
  return subdirectories;
}

interface Walk {
  readonly filter: (path: string) => boolean;
  readonly ignoreFile: string | undefined;
  readonly dereference: boolean;
  readonly onSkip: SkipReporter;
  readonly statFiles: boolean;
  /** Device and inode of every directory on the current walk path, to stop link loops. */
  readonly walking: Set<string>;
  /** The directories being walked, outermost first: their entries and the next to visit. */
  readonly frontier: { readonly entries: Listed; next: number }[];
  /** Entries still to list before the helper thread starts. */
  listedUntilPrefetch: number;
  prefetch: WalkPrefetcher | undefined;
}

function ignoreSkip(): void {
  // Callers that do not care where skipped paths went.
}

function statDirectory(bytes: string | Buffer, path: string): Stats {
  const target = statOrUndefined(bytes);
  if (target?.isDirectory() !== true) {
    throw new Error(`path is not a directory or does not exist on disk: ${path}`);
  }
  return target;
}

/** Cedar's `excludePaths`, `excludePatterns` and `excludeBasenamePatterns` checks. */
function exclusionFilter(options: ExclusionOptions): (path: string) => boolean {
  const paths: ReadonlySet<string> =
    "has" in options.excludePaths ? options.excludePaths : new Set(options.excludePaths);
  const patterns = options.excludePatterns;
  const basenamePatterns = options.excludeBasenamePatterns ?? [];
  // The usual cases, asked once per file: no exclusions, or excluded paths only.
  if (patterns.length === 0 && basenamePatterns.length === 0) {
    return paths.size === 0 ? () => false : (path) => paths.has(path);
  }
  return (path) => {
    if (paths.has(path)) return true;
    if (patterns.some((pattern) => pattern.test(path))) return true;
    if (basenamePatterns.length === 0) return false;
    const name = path.slice(path.lastIndexOf("/") + 1);
    return basenamePatterns.some((pattern) => pattern.test(name));
  };
}

/**
 * Cedar's `_addDirContentsInternal` (always recursive). `target` is the directory's
 * `stat` when already known; it identifies the directory for the loop check.
 */
function* walkDirectory(
  walk: Walk,
  dir: DiskPath,
  target: Stats | undefined,
  addSelf: boolean,
  linkDepth: number,
): Generator<SelectedEntry, void, undefined> {
  if (walk.filter(dir.path)) {
    walk.prefetch?.discard(dir.path);
    return;
  }
  if (walk.ignoreFile !== undefined) {
    // Python's os.path.exists: follows links, and any error counts as "absent".
    if (existsSync(fsPathOf(joinPath(dir.path, walk.ignoreFile)))) {
      walk.prefetch?.discard(dir.path);
      return;
    }
  }
  if (addSelf) yield* addDirectoryLink(walk, dir.path);
  const entries = listForWalk(walk, dir);
  if (entries.length === 0) return;
  const identity = target ?? lstatOrSkip(walk, dir);
  if (identity === undefined) return;
  const key = `${identity.dev}:${identity.ino}`;
  if (walk.walking.has(key)) {
    walk.onSkip(dir.path, "symbolic link loop: leads back to a directory being walked");
    return;
  }
  walk.walking.add(key);
  const frame = { entries, next: 0 };
  walk.frontier.push(frame);
  try {
    while (frame.next < entries.length) {
      yield* visitEntry(walk, entries.entry(frame.next++), linkDepth);
    }
  } finally {
    walk.frontier.pop();
    walk.walking.delete(key);
  }
}

function* visitEntry(
  walk: Walk,
  entry: ListedEntry,
  linkDepth: number,
): Generator<SelectedEntry, void, undefined> {
  const { kind } = entry;
  if (kind === DirentKind.file) {
    if (!walk.statFiles && entry.stat === undefined) {
      if (!walk.filter(entry.path)) yield { path: entry.path, kind: "file" };
      return;
    }
    const selected = fileEntry(walk, entry);
    if (selected !== undefined) yield selected;
    return;
  }
  if (kind === DirentKind.directory) {
    // Cedar asks to add the directory itself, which BackupFileList refuses for a real one.
    yield* walkDirectory(walk, entry, undefined, false, linkDepth - 1);
    return;
  }
  if (kind !== DirentKind.symbolicLink) {
    walk.onSkip(entry.path, `not a file, directory or symbolic link (${describeKind(kind)})`);
    return;
  }
  let target: Stats;
  try {
    target = statSync(entry.bytes);
  } catch (error) {
    walk.onSkip(entry.path, `broken symbolic link (${errorCode(error)})`);
    return;
  }
  if (target.isFile()) {
    if (linkDepth > 0 && walk.dereference) {
      const resolved = dereferenceLink(walk, entry);
      if (resolved !== undefined && resolved.path !== entry.path) {
        yield* addLinkTarget(walk, entry, resolved);
      }
    }
    const selected = fileEntry(walk, entry);
    if (selected !== undefined) yield selected;
  } else if (target.isDirectory()) {
    if (linkDepth <= 0) {
      yield* addDirectoryLink(walk, entry.path);
    } else if (walk.dereference) {
      const resolved = dereferenceLink(walk, entry);
      if (resolved !== undefined && resolved.path !== entry.path) {
        const resolvedTarget = statOrUndefined(resolved.bytes);
        if (resolvedTarget?.isDirectory() === true) {
          yield* walkDirectory(walk, resolved, resolvedTarget, true, linkDepth - 1);
        } else {
          reportUnresolvable(walk, entry, resolved);
        }
      }
      yield* addDirectoryLink(walk, entry.path);
    } else {
      yield* walkDirectory(walk, entry, target, false, linkDepth - 1);
    }
  } else {
    walk.onSkip(
      entry.path,
      `symbolic link to neither a file nor a directory (${describeKind(kindOf(target))})`,
    );
  }
}

/** Cedar's `addFile` for a path already known to be a file or a link to one. */
function fileEntry(walk: Walk, entry: DiskPath & { stat?: EntryStat }): SelectedEntry | undefined {
  if (walk.filter(entry.path)) return undefined;
  let stat = entry.stat;
  if (stat === undefined) {
    const stats = lstatOrSkip(walk, entry);
    if (stats === undefined) return undefined;
    stat = new EntryStat(stats);
  }
  return { path: entry.path, kind: stat.isSymbolicLink() ? "link" : "file", stat };
}

/** Cedar's `addFile` on a dereferenced link: the target must (still) be a file. */
function* addLinkTarget(
  walk: Walk,
  link: DiskPath,
  resolved: DiskPath,
): Generator<SelectedEntry, void, undefined> {
  if (statOrUndefined(resolved.bytes)?.isFile() === true) {
    const selected = fileEntry(walk, resolved);
    if (selected !== undefined) yield selected;
  } else {
    reportUnresolvable(walk, link, resolved);
  }
}

/**
 * BackupFileList's `addDir`: real directories are never selected, links to directories
 * are (as links, subject to the exclusions).
 */
function* addDirectoryLink(walk: Walk, dirPath: string): Generator<SelectedEntry, void, undefined> {
  const path = normalizeDir(dirPath);
  const bytes = fsPathOf(path);
  let stat: Stats;
  try {
    stat = lstatSync(bytes);
  } catch (error) {
    walk.onSkip(path, `cannot read its status (${errorCode(error)})`);
    return;
  }
  if (!stat.isSymbolicLink() || walk.filter(path)) return;
  yield { path, kind: "link", stat: new EntryStat(stat) };
}

/**
 * Cedar's `dereferenceLink`: the link's text, verbatim when absolute, else joined onto the
 * link's directory and normalised lexically (Python's `os.path.abspath`).
 */
function dereferenceLink(walk: Walk, link: DiskPath): DiskPath | undefined {
  let text: string;
  try {
    text = decodeFsName(readlinkSync(link.bytes, { encoding: "buffer" }));
  } catch (error) {
    walk.onSkip(link.path, `cannot read the symbolic link (${errorCode(error)})`);
    return undefined;
  }
  const path = text.startsWith("/") ? text : normalizePath(joinPath(dirname(link.path), text));
  return { path, bytes: fsPathOf(path) };
}

// Cedar raises here and fails the whole collect; this happens when a relative link is
// reached through another link, since `..` is resolved lexically against the path walked.
function reportUnresolvable(walk: Walk, link: DiskPath, resolved: DiskPath): void {
  walk.onSkip(
    resolved.path,
    `dereferenced path of symbolic link ${link.path} is not a file or directory on disk`,
  );
}

/**
 * {@link readEntries} for the walk: through the helper thread when it listed `dir` ahead,
 * which is then asked for the subdirectories found, in the order the walk visits them.
 */
function listForWalk(walk: Walk, dir: DiskPath): Listed {
  const listing = walk.prefetch?.take(dir.path);
  let entries: Listed;
  if (listing === undefined) {
    entries = listedArray(readEntries(dir, walk.onSkip));
  } else {
    entries = new PackedListing(dir, listing);
    if (listing.error !== undefined) {
      walk.onSkip(dir.path, `cannot list the directory (${listing.error})`);
    }
  }
  if (walk.prefetch === undefined) {
    walk.listedUntilPrefetch -= entries.length;
    if (walk.listedUntilPrefetch > 0) return entries;
    walk.prefetch = WalkPrefetcher.start();
    walk.listedUntilPrefetch = Infinity;
    // What the walk has listed but not visited yet, outermost first: the latest request is
    // served first, and the walk finishes the innermost directories first.
    for (const frame of walk.frontier) {
      walk.prefetch?.request(subdirectories(frame.entries, frame.next));
    }
  }
  walk.prefetch?.request(subdirectories(entries, 0));
  return entries;
}

/** The directories among `entries` from `from` on. */
function subdirectories(entries: Listed, from: number): ListedEntry[] {
  const found: ListedEntry[] = [];
  for (let i = from; i < entries.length; i++) {
    if (entries.isDirectory(i)) found.push(entries.entry(i));
  }
  return found;
}

function statOrUndefined(bytes: string | Buffer): Stats | undefined {
  try {
    return statSync(bytes);
  } catch {
    return undefined;
  }
}

function lstatOrSkip(walk: Walk, entry: DiskPath): Stats | undefined {
  try {
    return lstatSync(entry.bytes);
  } catch (error) {
    walk.onSkip(entry.path, `cannot read its status (${errorCode(error)})`);
    return undefined;
  }
}

/** Python's normalizeDir: one trailing `/` removed, except from `/` itself. */
function normalizeDir(path: string): string {
  return path !== "/" && path.endsWith("/") ? path.slice(0, -1) : path;
}

/** Python's `os.path.join(base, part)` for two parts. */
function joinPath(base: string, part: string): string {
  if (part.startsWith("/")) return part;
  if (base === "" || base.endsWith("/")) return base + part;
  return `${base}/${part}`;
}

/** Python's `posixpath.dirname`. */
function dirname(path: string): string {
  const head = path.slice(0, path.lastIndexOf("/") + 1);
  return /^\/+$/.test(head) ? head : head.replace(/\/+$/, "");
}

/** Python's `posixpath.normpath`: `.`, `..` and repeated `/` resolved without the disk. */
function normalizePath(path: string): string {
  if (path === "") return ".";
  const leading =
    path.startsWith("//") && !path.startsWith("///") ? 2 : path.startsWith("/") ? 1 : 0;
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    const last = parts.at(-1);
    if (part !== ".." || (leading === 0 && (last === undefined || last === ".."))) {
      parts.push(part);
    } else if (last !== undefined) {
      parts.pop();
    }
  }
  return "/".repeat(leading) + parts.join("/") || ".";
}
