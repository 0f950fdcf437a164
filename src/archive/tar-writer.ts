import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readlinkSync,
  readSync,
  type BigIntStats,
  type Stats,
} from "node:fs";
import { resolve } from "node:path";
import { encodeFsName } from "../domain/fs-name.js";
import { InterruptedError } from "../errors/cback-error.js";
import { createOwnerNames, type OwnerNames } from "./owner-names.js";
import {
  BLOCK_SIZE,
  encodeMemberHeader,
  memberName,
  paddingAfter,
  pythonMtime,
  RECORD_SIZE,
  TarType,
  type TarTypeFlag,
} from "./tar-header.js";

/** One entry to archive, as the file selection found it. */
export interface ArchiveMember {
  /** Absolute path, in Python's surrogateescape form for names that are not UTF-8. */
  readonly path: string;
  /** A regular file (its content is stored) or a symbolic link (stored as a link). */
  readonly kind: "file" | "link";
  /**
   * The lstat of the entry when it was selected (a member whose type no longer matches
   * `kind` is skipped); absent for a file the selection knew to be regular without one.
   * Either way the file's fstat (or the link's lstat) at archiving time decides.
   */
  readonly stat?: MemberStat | undefined;
}

/** What the writer needs of a member's selection-time lstat; `fs.Stats` has it. */
export interface MemberStat {
  isFile(): boolean;
  isSymbolicLink(): boolean;
}

/** How {@link tarChunks} reports and decides. */
export interface TarWriterOptions {
  /** Owner and group names; a fresh lookup of the system account files by default. */
  readonly ownerNames?: OwnerNames;
  /** A member that could not be added (vanished, unreadable, changed type); the archive goes on. */
  readonly onSkip?: (path: string, reason: string) => void;
  /** A file whose size changed while it was read; the archive stays consistent. */
  readonly onChanged?: (path: string, reason: string) => void;
  /** After each member: members added so far and tar bytes produced so far. */
  readonly onMember?: (members: number, bytes: number) => void;
  /** Checked before each member; when aborted the generator throws InterruptedError. */
  readonly signal?: AbortSignal;
  /**
   * The archive's own path: a member there is left out silently, as Python's tarfile never
   * adds an archive to itself.
   */
  readonly archivePath?: string;
  /** Size of the reused output buffer, a multiple of 512 (default 1 MiB). */
  readonly chunkSize?: number;
}

/** What {@link tarChunks} wrote, returned when the generator finishes. */
export interface TarSummary {
  readonly members: number;
  readonly skipped: number;
  /** Length of the tar stream, end blocks and record padding included. */
  readonly bytes: number;
}

const DEFAULT_CHUNK_SIZE = 1024 * 1024;
const NS_PER_SECOND = 1_000_000_000n;

/**
 * The tar stream of `members`, in order, as Python's `tarfile` writes it in GNU format with
 * `add(path, recursive=False)` for each (cedar-core.md §3.1, C15): names without leading
 * `/`, symlinks as links, a second name of an inode already archived as a hard link, long
 * names and targets in `././@LongLink` records, then two zero blocks and padding to 10240
 * bytes.
 *
 * Files are read synchronously in pieces straight into one reused output buffer, so memory
 * stays at one chunk whatever the file sizes. **Each yielded chunk is only valid until the
 * generator is resumed**: a consumer that keeps data must copy it.
 *
 * A member that cannot be opened, or is no longer what the selection saw, is skipped through
 * `onSkip`. A file that shrinks, fails or grows while being read is padded with zeros or cut
 * at the size in its header, and reported through `onChanged`.
 * @returns (as the generator's return value) the counts of what was written
 * @throws InterruptedError when `signal` is aborted
 */
export function* tarChunks(
  members: Iterable<ArchiveMember>,
  options: TarWriterOptions = {},
): Generator<Uint8Array, TarSummary, undefined> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (chunkSize <= 0 || chunkSize % BLOCK_SIZE !== 0) {
    throw new RangeError(`chunk size must be a positive multiple of ${BLOCK_SIZE}: ${chunkSize}`);
  }
  const owners = options.ownerNames ?? createOwnerNames();
  const ownPath = options.archivePath === undefined ? undefined : resolve(options.archivePath);
  const out = Buffer.allocUnsafe(chunkSize);
  let fill = 0;
  let flushed = 0;
  let added = 0;
  let skipped = 0;
  // (dev, ino) of files with several links -> the member name they were first stored under.
  const inodes = new Map<string, Uint8Array>();

  function* put(bytes: Uint8Array): Generator<Uint8Array, void, undefined> {
    let offset = 0;
    while (offset < bytes.length) {
      const count = Math.min(bytes.length - offset, chunkSize - fill);
      out.set(bytes.subarray(offset, offset + count), fill);
      fill += count;
      offset += count;
      if (fill === chunkSize) yield* flush();
    }
  }

  function* zeros(length: number): Generator<Uint8Array, void, undefined> {
    let left = length;
    while (left > 0) {
      const count = Math.min(left, chunkSize - fill);
      out.fill(0, fill, fill + count);
      fill += count;
      left -= count;
      if (fill === chunkSize) yield* flush();
    }
  }

  function* flush(): Generator<Uint8Array, void, undefined> {
    if (fill === 0) return;
    const chunk = out.subarray(0, fill);
    flushed += fill;
    fill = 0;
    yield chunk;
  }

  const skip = (path: string, reason: string): false => {
    skipped++;
    options.onSkip?.(path, reason);
    return false;
  };

  // Each header is copied into `out` at once (put), so one scratch block serves them all.
  const scratch = Buffer.alloc(BLOCK_SIZE);
  const header = (
    name: Uint8Array,
    info: Stats | BigIntStats,
    type: TarTypeFlag,
    size: number,
    linkName: Uint8Array,
    mtime: number,
  ): Buffer =>
    encodeMemberHeader(
      {
        name,
        mode: Number(info.mode),
        uid: Number(info.uid),
        gid: Number(info.gid),
        size,
        mtime,
        type,
        linkName,
        uname: owners.user(Number(info.uid)),
        gname: owners.group(Number(info.gid)),
      },
      scratch,
    );

  /** Copy `size` bytes of the open file into the stream, whatever the file does meanwhile. */
  function* fileData(fd: number, path: string, size: number): Generator<Uint8Array, void> {
    let left = size;
    // Whether the last read asked past the end, and so already showed whether the file grew.
    let probed = false;
    while (left > 0) {
      const room = chunkSize - fill;
      // Asking for one byte more than the header promises reveals growth without a syscall.
      const wanted = room > left ? left + 1 : room;
      let count: number;
      try {
        count = readSync(fd, out, fill, wanted, null);
      } catch (error) {
        options.onChanged?.(
          path,
          `read failed after ${size - left} of ${size} bytes (${describe(error)}); ` +
            `the rest is stored as zeros`,
        );
        yield* zeros(left);
        return;
      }
      if (count === 0) {
        options.onChanged?.(
          path,
          `file shrank while being read: ${size - left} of ${size} bytes; ` +
            `the rest is stored as zeros`,
        );
        yield* zeros(left);
        return;
      }
      probed = wanted === left + 1;
      if (count > left) {
        options.onChanged?.(path, `file grew while being read; stored its first ${size} bytes`);
        count = left;
      }
      fill += count;
      left -= count;
      if (fill === chunkSize) yield* flush();
    }
    if (!probed && size > 0 && sizeNow(fd) > size) {
      options.onChanged?.(path, `file grew while being read; stored its first ${size} bytes`);
    }
  }

  /** The hard link header for a second name of an inode already stored, or undefined. */
  const hardLinkTo = (info: Stats | BigIntStats, name: Uint8Array): Uint8Array | undefined => {
    if (!info.isFile() || Number(info.nlink) <= 1) return undefined;
    const first = inodes.get(inodeKey(info));
    return first !== undefined && !sameBytes(first, name) ? first : undefined;
  };

  function* addFile(
    member: ArchiveMember,
    pathBytes: Buffer,
    name: Uint8Array,
  ): Generator<Uint8Array, boolean> {
    // Python's tarfile looks at lstat first: a second name of an inode already stored is a
    // hard link, added without reading the file. The fstat of the open file tells the same;
    // an lstat is taken only when the file cannot be opened (an unreadable second name).
    let fd: number;
    try {
      fd = openSync(
        pathBytes,
        constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY,
      );
    } catch (error) {
      const now = lstatOrUndefined(pathBytes);
      const first = now === undefined ? undefined : hardLinkTo(now, name);
      if (now !== undefined && first !== undefined) {
        yield* put(
          header(
            name,
            now,
            TarType.hardLink,
            0,
            first,
            mtimeOf(now, () => now),
          ),
        );
        return true;
      }
      return skip(member.path, describe(error));
    }
    try {
      // Plain numbers, not BigInts: this runs once per file, and BigIntStats were the largest
      // share of a collect's garbage. The exact time is fetched only when mtimeOf needs it.
      let info: Stats;
      try {
        info = fstatSync(fd);
      } catch (error) {
        return skip(member.path, describe(error));
      }
      if (!info.isFile()) return skip(member.path, "it is no longer a regular file");
      const mtime = mtimeOf(info, () => fstatSync(fd, { bigint: true }));
      const first = hardLinkTo(info, name);
      if (first !== undefined) {
        yield* put(header(name, info, TarType.hardLink, 0, first, mtime));
        return true;
      }
      const size = info.size;
      if (info.nlink > 1 && info.ino !== 0) inodes.set(inodeKey(info), name);
      yield* put(header(name, info, TarType.file, size, EMPTY, mtime));
      yield* fileData(fd, member.path, size);
      yield* zeros(paddingAfter(size));
      return true;
    } finally {
      closeSync(fd);
    }
  }

  function* addLink(
    member: ArchiveMember,
    pathBytes: Buffer,
    name: Uint8Array,
  ): Generator<Uint8Array, boolean> {
    let info: BigIntStats;
    let target: Buffer;
    try {
      info = lstatSync(pathBytes, { bigint: true });
      if (!info.isSymbolicLink()) return skip(member.path, "it is no longer a symbolic link");
      target = readlinkSync(pathBytes, { encoding: "buffer" });
    } catch (error) {
      return skip(member.path, describe(error));
    }
    yield* put(
      header(
        name,
        info,
        TarType.symlink,
        0,
        target,
        mtimeOf(info, () => info),
      ),
    );
    return true;
  }

  for (const member of members) {
    if (options.signal?.aborted === true) {
      throw new InterruptedError("writing the archive was interrupted");
    }
    if (ownPath !== undefined && isOwnPath(member.path, ownPath)) continue;
    const pathBytes = encodeFsName(member.path);
    const name = memberName(pathBytes);
    let done: boolean;
    if (member.kind === "file") {
      done =
        member.stat === undefined || member.stat.isFile()
          ? yield* addFile(member, pathBytes, name)
          : skip(member.path, "it is not a regular file");
    } else {
      done =
        member.stat === undefined || member.stat.isSymbolicLink()
          ? yield* addLink(member, pathBytes, name)
          : skip(member.path, "it is not a symbolic link");
    }
    if (done) {
      added++;
      options.onMember?.(added, flushed + fill);
    }
  }

  const end = 2 * BLOCK_SIZE;
  const length = flushed + fill + end;
  const rest = length % RECORD_SIZE;
  yield* zeros(end + (rest === 0 ? 0 : RECORD_SIZE - rest));
  yield* flush();
  return { members: added, skipped, bytes: flushed };
}

const EMPTY = new Uint8Array(0);

/**
 * Whether `path` resolves to the archive's own (resolved) path. Resolving costs more than the
 * rest of a small member, so a path that is already absolute and normal is compared as is.
 */
function isOwnPath(path: string, ownPath: string): boolean {
  if (path.startsWith("/") && !path.endsWith("/") && !ABNORMAL.test(path)) {
    return path === ownPath;
  }
  return resolve(path) === ownPath;
}

/** Parts that `path.resolve` would rewrite: `//`, `/./`, `/../` or a final `/.`/`/..`. */
const ABNORMAL = /\/\/|\/\.\.?(?:\/|$)/;

/** The current size of an open file, or 0 when it cannot be asked (nothing to report then). */
function sizeNow(fd: number): number {
  try {
    return fstatSync(fd).size;
  } catch {
    return 0;
  }
}

function lstatOrUndefined(path: Buffer): BigIntStats | undefined {
  try {
    return lstatSync(path, { bigint: true });
  } catch {
    return undefined;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** `dev:ino`, the same digits from Stats and BigIntStats (device and inode numbers < 2^53). */
function inodeKey(info: Stats | BigIntStats): string {
  return `${info.dev}:${info.ino}`;
}

/**
 * Python's `int(os.lstat(path).st_mtime)`. From `Stats`, whose millisecond time a double
 * holds to well under a microsecond, unless the time is negative or within 10 µs of the next
 * second, where Python's float of the exact time may round up: then from `exact()`'s
 * nanoseconds, as for `BigIntStats`.
 */
function mtimeOf(info: Stats | BigIntStats, exact: () => BigIntStats): number {
  if (typeof info.mtimeMs === "number") {
    const ms = info.mtimeMs;
    const seconds = Math.floor(ms / 1000);
    if (ms >= 0 && ms - seconds * 1000 < 999.99) return seconds;
  }
  const { mtimeNs } = typeof info.mtimeMs === "number" ? exact() : (info as BigIntStats);
  let seconds = mtimeNs / NS_PER_SECOND;
  let nanoseconds = mtimeNs % NS_PER_SECOND;
  if (nanoseconds < 0n) {
    seconds -= 1n;
    nanoseconds += NS_PER_SECOND;
  }
  return pythonMtime(Number(seconds), Number(nanoseconds));
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: "it no longer exists",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ELOOP: "it is now a symbolic link",
};

function describe(error: unknown): string {
  const failure = error as NodeJS.ErrnoException;
  const reason = failure.code === undefined ? undefined : REASONS[failure.code];
  return reason ?? failure.message;
}
