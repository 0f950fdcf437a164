/**
 * The files collect archives, chosen exactly as Cedar's BackupFileList does
 * (cedar-core.md §4.1, §3.1): only regular files and symbolic links, in raw directory
 * listing order, with Cedar's exclusions, ignore file and link-depth rules.
 *
 * Synchronous on purpose: on trees of hundreds of thousands of files the per-call cost of
 * asynchronous IO dominates the walk. Paths are Python-style strings (surrogateescape, see
 * domain/fs-name.ts), so file names that are not UTF-8 are selected and archived intact.
 */
import {
  existsSync,
  lstatSync,
  opendirSync,
  readlinkSync,
  statSync,
  type Dirent,
  type OpenDirOptions,
  type Stats,
} from "node:fs";
import { decodeFsName, fsPathOf } from "../domain/fs-name.js";

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
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/**
 * The `lstat` facts collect and the archive writer use, kept compact: a few hundred
 * thousand of them (one per selected file) would otherwise hold as many `fs.Stats`, each with
 * four Dates. Times are Node's float milliseconds, as in `fs.Stats`.
 */
export class EntryStat {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly dev: number;
  readonly ino: number;
  readonly nlink: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;

  constructor(stats: Stats) {
    this.size = stats.size;
    this.mtimeMs = stats.mtimeMs;
    this.ctimeMs = stats.ctimeMs;
    this.dev = stats.dev;
    this.ino = stats.ino;
    this.nlink = stats.nlink;
    this.mode = stats.mode;
    this.uid = stats.uid;
    this.gid = stats.gid;
  }

  /** As `fs.Stats#isFile`. */
  isFile(): boolean {
    return (this.mode & S_IFMT) === S_IFREG;
  }

  /** As `fs.Stats#isSymbolicLink`. */
  isSymbolicLink(): boolean {
    return (this.mode & S_IFMT) === S_IFLNK;
  }
}

/** One selected path. */
export interface SelectedEntry {
  /** Absolute path as Cedar spells it (Python surrogateescape string). */
  readonly path: string;
  /** `link` for a symbolic link (to a file or a directory), stored as a link. */
  readonly kind: "file" | "link";
  /** `lstat` of the path, taken when it was selected. */
  readonly stat: EntryStat;
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
  const path = normalizeDir(dir);
  const bytes = fsPathOf(path);
  const target = statDirectory(bytes, path);
  const walk: Walk = {
    filter: exclusionFilter(options),
    ignoreFile: options.ignoreFile,
    dereference: options.dereference,
    onSkip,
    selected: [],
    walking: new Set(),
  };
  walkDirectory(walk, { path, bytes }, target, true, options.linkDepth);
  return walk.selected;
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
    if (entry.type.isDirectory() && !filter(entry.path)) subdirectories.push(entry.path);
  }
  return subdirectories;
}

/**
 * A path in both spellings: the string Cedar compares, and the name the disk knows (the
 * string itself when its UTF-8 is that name, which spares a Buffer per path).
 */
interface DiskPath {
  readonly path: string;
  readonly bytes: string | Buffer;
}

interface Walk {
  readonly filter: (path: string) => boolean;
  readonly ignoreFile: string | undefined;
  readonly dereference: boolean;
  readonly onSkip: SkipReporter;
  readonly selected: SelectedEntry[];
  /** Device and inode of every directory on the current walk path, to stop link loops. */
  readonly walking: Set<string>;
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
function walkDirectory(
  walk: Walk,
  dir: DiskPath,
  target: Stats | undefined,
  addSelf: boolean,
  linkDepth: number,
): void {
  if (walk.filter(dir.path)) return;
  if (walk.ignoreFile !== undefined) {
    // Python's os.path.exists: follows links, and any error counts as "absent".
    if (existsSync(fsPathOf(joinPath(dir.path, walk.ignoreFile)))) return;
  }
  if (addSelf) addDirectoryLink(walk, dir.path);
  const entries = readEntries(dir, walk.onSkip);
  if (entries.length === 0) return;
  const identity = target ?? lstatOrSkip(walk, dir);
  if (identity === undefined) return;
  const key = `${identity.dev}:${identity.ino}`;
  if (walk.walking.has(key)) {
    walk.onSkip(dir.path, "symbolic link loop: leads back to a directory being walked");
    return;
  }
  walk.walking.add(key);
  try {
    for (const entry of entries) visitEntry(walk, entry, linkDepth);
  } finally {
    walk.walking.delete(key);
  }
}

function visitEntry(walk: Walk, entry: ListedEntry, linkDepth: number): void {
  const { type } = entry;
  if (type.isFile()) {
    addFile(walk, entry);
    return;
  }
  if (type.isDirectory()) {
    // Cedar asks to add the directory itself, which BackupFileList refuses for a real one.
    walkDirectory(walk, entry, undefined, false, linkDepth - 1);
    return;
  }
  if (!type.isSymbolicLink()) {
    walk.onSkip(entry.path, `not a file, directory or symbolic link (${describeType(type)})`);
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
        addLinkTarget(walk, entry, resolved);
      }
    }
    addFile(walk, entry);
  } else if (target.isDirectory()) {
    if (linkDepth <= 0) {
      addDirectoryLink(walk, entry.path);
    } else if (walk.dereference) {
      const resolved = dereferenceLink(walk, entry);
      if (resolved !== undefined && resolved.path !== entry.path) {
        const resolvedTarget = statOrUndefined(resolved.bytes);
        if (resolvedTarget?.isDirectory() === true) {
          walkDirectory(walk, resolved, resolvedTarget, true, linkDepth - 1);
        } else {
          reportUnresolvable(walk, entry, resolved);
        }
      }
      addDirectoryLink(walk, entry.path);
    } else {
      walkDirectory(walk, entry, target, false, linkDepth - 1);
    }
  } else {
    walk.onSkip(
      entry.path,
      `symbolic link to neither a file nor a directory (${describeType(target)})`,
    );
  }
}

/** Cedar's `addFile` for a path already known to be a file or a link to one. */
function addFile(walk: Walk, entry: DiskPath): void {
  if (walk.filter(entry.path)) return;
  const stat = lstatOrSkip(walk, entry);
  if (stat === undefined) return;
  walk.selected.push({
    path: entry.path,
    kind: stat.isSymbolicLink() ? "link" : "file",
    stat: new EntryStat(stat),
  });
}

/** Cedar's `addFile` on a dereferenced link: the target must (still) be a file. */
function addLinkTarget(walk: Walk, link: DiskPath, resolved: DiskPath): void {
  if (statOrUndefined(resolved.bytes)?.isFile() === true) {
    addFile(walk, resolved);
  } else {
    reportUnresolvable(walk, link, resolved);
  }
}

/**
 * BackupFileList's `addDir`: real directories are never selected, links to directories
 * are (as links, subject to the exclusions).
 */
function addDirectoryLink(walk: Walk, dirPath: string): void {
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
  walk.selected.push({ path, kind: "link", stat: new EntryStat(stat) });
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

interface ListedEntry extends DiskPath {
  /** File type from the directory listing (no link followed). */
  readonly type: Dirent;
}

// @types/node does not know that opendir accepts the "buffer" encoding (names then come
// as Buffers); raw bytes are the only way to keep names that are not UTF-8.
const BUFFER_NAMES = { encoding: "buffer", bufferSize: 128 } as unknown as OpenDirOptions;

/**
 * The entries of a directory in raw listing order (fs.readdirSync sorts them; Cedar does
 * not), read completely before any is visited so deep trees do not hold a descriptor
 * open per level. An unreadable directory is reported and yields what was read.
 */
function readEntries(dir: DiskPath, onSkip: SkipReporter): ListedEntry[] {
  const entries: ListedEntry[] = [];
  const prefix = dir.path.endsWith("/") ? dir.path : `${dir.path}/`;
  const dirBytes = typeof dir.bytes === "string" ? undefined : dir.bytes;
  const separator = dirBytes?.at(-1) === SLASH ? EMPTY : SLASH_BYTES;
  try {
    const handle = opendirSync(dir.bytes, BUFFER_NAMES);
    try {
      for (let type = handle.readSync(); type !== null; type = handle.readSync()) {
        const name = type.name as unknown as Buffer;
        const path = prefix + decodeFsName(name);
        const bytes =
          dirBytes === undefined ? fsPathOf(path) : Buffer.concat([dirBytes, separator, name]);
        entries.push({ path, bytes, type });
      }
    } finally {
      handle.closeSync();
    }
  } catch (error) {
    onSkip(dir.path, `cannot list the directory (${errorCode(error)})`);
  }
  return entries;
}

const SLASH = 0x2f;
const SLASH_BYTES = Buffer.of(SLASH);
const EMPTY = Buffer.alloc(0);

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

function describeType(type: Dirent | Stats): string {
  if (type.isFIFO()) return "named pipe";
  if (type.isSocket()) return "socket";
  if (type.isBlockDevice()) return "block device";
  if (type.isCharacterDevice()) return "character device";
  return "unknown type";
}

function errorCode(error: unknown): string {
  if (error instanceof Error) return "code" in error ? String(error.code) : error.message;
  return String(error);
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
