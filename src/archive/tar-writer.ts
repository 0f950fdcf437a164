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

  /** A file being copied into the stream: what is left of it and what it did meanwhile. */
  interface FileCopy {
    readonly fd: number;
    readonly path: string;
    readonly size: number;
    left: number;
    /** Whether the last read asked past the end, and so already showed whether it grew. */
    probed: boolean;
    /** Set once a read failed or found the end early: the rest is stored as zeros. */
    zeroFill: boolean;
  }

  /**
   * Copy as much of the file as fits in `out` (straight into it), whatever the file does
   * meanwhile: a file that shrinks or cannot be read is padded with zeros, one that grows
   * is cut at its header's size; both are reported through `onChanged`.
   */
  const copySome = (copy: FileCopy): void => {
    while (copy.left > 0 && fill < chunkSize) {
      const room = chunkSize - fill;
      if (copy.zeroFill) {
        const count = Math.min(copy.left, room);
        out.fill(0, fill, fill + count);
        fill += count;
        copy.left -= count;
        continue;
      }
      // Asking for one byte more than the header promises reveals growth without a syscall.
      const wanted = room > copy.left ? copy.left + 1 : room;
      let count: number;
      try {
        count = readSync(copy.fd, out, fill, wanted, null);
      } catch (error) {
        options.onChanged?.(
          copy.path,
          `read failed after ${copy.size - copy.left} of ${copy.size} bytes ` +
            `(${describe(error)}); the rest is stored as zeros`,
        );
        copy.zeroFill = true;
        continue;
      }
      if (count === 0) {
        options.onChanged?.(
          copy.path,
          `file shrank while being read: ${copy.size - copy.left} of ${copy.size} bytes; ` +
            `the rest is stored as zeros`,
        );
        copy.zeroFill = true;
        continue;
      }
      copy.probed = wanted === copy.left + 1;
      if (count > copy.left) {
        options.onChanged?.(
          copy.path,
          `file grew while being read; stored its first ${copy.size} bytes`,
        );
        count = copy.left;
      }
      fill += count;
      copy.left -= count;
    }
    if (copy.left === 0 && !copy.zeroFill && !copy.probed && copy.size > 0) {
      copy.probed = true;
      if (sizeNow(copy.fd) > copy.size) {
        options.onChanged?.(
          copy.path,
          `file grew while being read; stored its first ${copy.size} bytes`,
        );
      }
    }
  };

  /** Copy the whole file, yielding each chunk that fills up. */
  function* copyAll(copy: FileCopy): Generator<Uint8Array, void> {
    copySome(copy);
    while (copy.left > 0) {
      yield* flush();
      copySome(copy);
    }
  }

  /** The hard link header for a second name of an inode already stored, or undefined. */
  const hardLinkTo = (info: Stats | BigIntStats, name: Uint8Array): Uint8Array | undefined => {
    if (!info.isFile() || Number(info.nlink) <= 1) return undefined;
    const first = inodes.get(inodeKey(info));
    return first !== undefined && !sameBytes(first, name) ? first : undefined;
  };

  /**
   * What is left of a member that did not fit in `out` at once: its header bytes (copied,
   * as the scratch block is reused), then, for a file, its data and padding.
   */
  interface Pending {
    readonly header: Uint8Array;
    readonly copy?: FileCopy;
  }

  /** Put `bytes` in `out` now if they fit; otherwise a Pending for the generator path. */
  const putOrPend = (bytes: Uint8Array): true | Pending => {
    if (bytes.length > chunkSize - fill) return { header: Buffer.from(bytes) };
    out.set(bytes, fill);
    fill += bytes.length;
    return true;
  };

  /**
   * Add a regular file. Members that fit in the room left in `out` (nearly every small file)
   * are written here without a generator, the allocations of which were a large share of a
   * collect's garbage; the others come back as a Pending with the file still open.
   */
  const addFile = (
    member: ArchiveMember,
    pathBytes: Buffer,
    name: Uint8Array,
  ): boolean | Pending => {
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
        return putOrPend(header(name, now, TarType.hardLink, 0, first, mtimeOf(now)));
      }
      return skip(member.path, describe(error));
    }
    let handedOver = false;
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
      const mtime = mtimeOfOpenFile(info, fd);
      const first = hardLinkTo(info, name);
      if (first !== undefined) {
        return putOrPend(header(name, info, TarType.hardLink, 0, first, mtime));
      }
      const size = info.size;
      if (info.nlink > 1 && info.ino !== 0) inodes.set(inodeKey(info), name);
      const headerBytes = header(name, info, TarType.file, size, EMPTY, mtime);
      const copy: FileCopy = {
        fd,
        path: member.path,
        size,
        left: size,
        probed: false,
        zeroFill: false,
      };
      // One byte more than the member, for the read that shows whether the file grew.
      if (headerBytes.length + size + paddingAfter(size) < chunkSize - fill) {
        out.set(headerBytes, fill);
        fill += headerBytes.length;
        copySome(copy);
        out.fill(0, fill, fill + paddingAfter(size));
        fill += paddingAfter(size);
        return true;
      }
      handedOver = true;
      return { header: Buffer.from(headerBytes), copy };
    } finally {
      if (!handedOver) closeSync(fd);
    }
  };

  /** Add a symbolic link (its target, not what it points to). */
  const addLink = (
    member: ArchiveMember,
    pathBytes: Buffer,
    name: Uint8Array,
  ): boolean | Pending => {
    let info: BigIntStats;
    let target: Buffer;
    try {
      info = lstatSync(pathBytes, { bigint: true });
      if (!info.isSymbolicLink()) return skip(member.path, "it is no longer a symbolic link");
      target = readlinkSync(pathBytes, { encoding: "buffer" });
    } catch (error) {
      return skip(member.path, describe(error));
    }
    return putOrPend(header(name, info, TarType.symlink, 0, target, mtimeOf(info)));
  };

  /** Finish a member that did not fit at once; closes its file whatever happens. */
  function* finish(pending: Pending): Generator<Uint8Array, void> {
    try {
      yield* put(pending.header);
      const copy = pending.copy;
      if (copy !== undefined) {
        yield* copyAll(copy);
        yield* zeros(paddingAfter(copy.size));
      }
    } finally {
      if (pending.copy !== undefined) closeSync(pending.copy.fd);
    }
  }

  for (const member of members) {
    if (options.signal?.aborted === true) {
      throw new InterruptedError("writing the archive was interrupted");
    }
    if (ownPath !== undefined && isOwnPath(member.path, ownPath)) continue;
    const pathBytes = encodeFsName(member.path);
    const name = memberName(pathBytes);
    let result: boolean | Pending;
    if (member.kind === "file") {
      result =
        member.stat === undefined || member.stat.isFile()
          ? addFile(member, pathBytes, name)
          : skip(member.path, "it is not a regular file");
    } else {
      result =
        member.stat === undefined || member.stat.isSymbolicLink()
          ? addLink(member, pathBytes, name)
          : skip(member.path, "it is not a symbolic link");
    }
    if (result !== true && result !== false) {
      yield* finish(result);
      result = true;
    }
    if (result) {
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
 * Python's `int(os.fstat(fd).st_mtime)` from the plain-number `Stats` of `fd`, whose
 * millisecond time a double holds to well under a microsecond: exact unless the time is
 * negative or within 10 µs of the next second, where Python's float of the exact time may
 * round up; then from the nanoseconds of a BigInt fstat.
 */
function mtimeOfOpenFile(info: Stats, fd: number): number {
  const ms = info.mtimeMs;
  const seconds = Math.floor(ms / 1000);
  if (ms >= 0 && ms - seconds * 1000 < 999.99) return seconds;
  return mtimeOf(fstatSync(fd, { bigint: true }));
}

/** Python's `int(os.lstat(path).st_mtime)`, from the exact nanosecond time. */
function mtimeOf(info: BigIntStats): number {
  let seconds = info.mtimeNs / NS_PER_SECOND;
  let nanoseconds = info.mtimeNs % NS_PER_SECOND;
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
