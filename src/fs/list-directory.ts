/**
 * Directory listings for the walk of select-files.ts: entries in raw listing order, with the
 * path in both spellings (the string Cedar compares, the bytes the disk knows), listed here
 * or by the helper thread of walk-prefetch.ts.
 */
import { opendirSync, type Dirent, type OpenDirOptions, type Stats } from "node:fs";
import { decodeFsName, fsPathOf } from "../domain/fs-name.js";
import { DirentKind, STAT_FIELDS, type DirListing } from "./walk-prefetch.js";

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

  /** From `fs.Stats`, or from `values` at `at` (walk-prefetch.ts's order of the fields). */
  constructor(stats: Stats | Float64Array, at = 0) {
    if (stats instanceof Float64Array) {
      this.mode = stats[at] ?? 0;
      this.uid = stats[at + 1] ?? 0;
      this.gid = stats[at + 2] ?? 0;
      this.size = stats[at + 3] ?? 0;
      this.dev = stats[at + 4] ?? 0;
      this.ino = stats[at + 5] ?? 0;
      this.nlink = stats[at + 6] ?? 0;
      this.mtimeMs = stats[at + 7] ?? 0;
      this.ctimeMs = stats[at + 8] ?? 0;
      return;
    }
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

/**
 * A path in both spellings: the string Cedar compares, and the name the disk knows (the
 * string itself when its UTF-8 is that name, which spares a Buffer per path).
 */
export interface DiskPath {
  readonly path: string;
  readonly bytes: string | Buffer;
}

export interface ListedEntry extends DiskPath {
  /** File type from the directory listing (no link followed), a {@link DirentKind}. */
  readonly kind: number;
  /** The lstat of a regular file, when the helper thread took it. */
  readonly stat?: EntryStat;
}

/** A directory's entries for the walk, made one by one as they are visited. */
export interface Listed {
  readonly length: number;
  /** Entry `i`, `0 <= i < length`. */
  entry(i: number): ListedEntry;
  /** Whether entry `i` is a directory (no link followed). */
  isDirectory(i: number): boolean;
}

export function listedArray(entries: readonly ListedEntry[]): Listed {
  return {
    length: entries.length,
    entry: (i) => entries[i] ?? unreachable(i),
    isDirectory: (i) => entries[i]?.kind === DirentKind.directory,
  };
}

function unreachable(i: number): never {
  throw new RangeError(`no entry ${i}`);
}

/**
 * A listing made by the helper thread, as {@link readEntries} would give it: entries are
 * made only when visited, so a directory being walked holds typed arrays, not objects.
 */
export class PackedListing implements Listed {
  readonly length: number;
  readonly #listing: DirListing;
  readonly #prefix: string;
  readonly #dirBytes: Buffer | undefined;
  readonly #separator: Buffer;

  constructor(dir: DiskPath, listing: DirListing) {
    this.length = listing.count;
    this.#listing = listing;
    this.#prefix = dir.path.endsWith("/") ? dir.path : `${dir.path}/`;
    this.#dirBytes = typeof dir.bytes === "string" ? undefined : dir.bytes;
    this.#separator = this.#dirBytes?.at(-1) === SLASH ? EMPTY : SLASH_BYTES;
  }

  entry(i: number): ListedEntry {
    const { names, ends, kinds, stats } = this.#listing;
    const start = i === 0 ? 0 : (ends[i - 1] ?? 0);
    const end = ends[i] ?? start;
    const ascii = isAscii(names, start, end);
    const name = ascii
      ? names.toString("latin1", start, end)
      : decodeFsName(names.subarray(start, end));
    const path = this.#prefix + name;
    let bytes: string | Buffer;
    if (this.#dirBytes !== undefined) {
      bytes = Buffer.concat([this.#dirBytes, this.#separator, names.subarray(start, end)]);
    } else {
      bytes = ascii ? path : fsPathOf(path);
    }
    const kind = kinds[i] ?? DirentKind.unknown;
    const at = i * STAT_FIELDS;
    if (Number.isNaN(stats[at])) return { path, bytes, kind };
    return { path, bytes, kind, stat: new EntryStat(stats, at) };
  }

  isDirectory(i: number): boolean {
    return this.#listing.kinds[i] === DirentKind.directory;
  }
}

/** Told about a directory that cannot be listed (or not completely). */
export type ListingReporter = (path: string, reason: string) => void;

// @types/node does not know that opendir accepts the "buffer" encoding (names then come
// as Buffers); raw bytes are the only way to keep names that are not UTF-8.
const BUFFER_NAMES = { encoding: "buffer", bufferSize: 128 } as unknown as OpenDirOptions;

/**
 * The entries of a directory in raw listing order (fs.readdirSync sorts them; Cedar does
 * not), read completely before any is visited so deep trees do not hold a descriptor
 * open per level. An unreadable directory is reported and yields what was read.
 */
export function readEntries(dir: DiskPath, onSkip: ListingReporter): ListedEntry[] {
  const entries: ListedEntry[] = [];
  const prefix = dir.path.endsWith("/") ? dir.path : `${dir.path}/`;
  const dirBytes = typeof dir.bytes === "string" ? undefined : dir.bytes;
  const separator = dirBytes?.at(-1) === SLASH ? EMPTY : SLASH_BYTES;
  try {
    const handle = opendirSync(dir.bytes, BUFFER_NAMES);
    try {
      for (let type = handle.readSync(); type !== null; type = handle.readSync()) {
        const name = type.name as unknown as Buffer;
        // Most names are ASCII: their string is their bytes, and (the directory's own path
        // being a plain string) so is the whole path's.
        const ascii = isAscii(name, 0, name.length);
        const path = prefix + (ascii ? name.toString("latin1") : decodeFsName(name));
        let bytes: string | Buffer;
        if (dirBytes !== undefined) bytes = Buffer.concat([dirBytes, separator, name]);
        else bytes = ascii ? path : fsPathOf(path);
        entries.push({ path, bytes, kind: kindOf(type) });
      }
    } finally {
      handle.closeSync();
    }
  } catch (error) {
    onSkip(dir.path, `cannot list the directory (${errorCode(error)})`);
  }
  return entries;
}

function isAscii(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if ((bytes[i] ?? 0x80) >= 0x80) return false;
  return true;
}

const SLASH = 0x2f;
const SLASH_BYTES = Buffer.of(SLASH);
const EMPTY = Buffer.alloc(0);

/** The {@link DirentKind} of a Dirent or Stats. */
export function kindOf(type: Dirent | Stats): number {
  if (type.isFile()) return DirentKind.file;
  if (type.isDirectory()) return DirentKind.directory;
  if (type.isSymbolicLink()) return DirentKind.symbolicLink;
  if (type.isFIFO()) return DirentKind.fifo;
  if (type.isSocket()) return DirentKind.socket;
  if (type.isCharacterDevice()) return DirentKind.characterDevice;
  if (type.isBlockDevice()) return DirentKind.blockDevice;
  return DirentKind.unknown;
}

export function describeKind(kind: number): string {
  if (kind === DirentKind.fifo) return "named pipe";
  if (kind === DirentKind.socket) return "socket";
  if (kind === DirentKind.blockDevice) return "block device";
  if (kind === DirentKind.characterDevice) return "character device";
  return "unknown type";
}

export function errorCode(error: unknown): string {
  if (error instanceof Error) return "code" in error ? String(error.code) : error.message;
  return String(error);
}
