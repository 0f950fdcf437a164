import { availableParallelism } from "node:os";
import { constants, crc32, deflateRaw } from "node:zlib";
import { InterruptedError } from "../errors/cback-error.js";

/** How {@link gzipParallel} compresses. */
export interface ParallelGzipOptions {
  /** zlib level 1-9 (default 6, gzip's own default; Cedar's tarfile uses 9). */
  readonly level?: number;
  /** Uncompressed bytes per block compressed as one task, at least 32 KiB (default 1 MiB). */
  readonly blockSize?: number;
  /**
   * Blocks compressing or waiting to be written at once (default: CPUs + 1, at most 4, the
   * size of libuv's thread pool, which the file writes share).
   */
  readonly concurrency?: number;
  /** Original file name for the header's FNAME field (skipped unless Latin-1). */
  readonly fileName?: string;
  /** Modification time for the header, in seconds since the epoch (default 0: none). */
  readonly mtime?: number;
  /** Checked between blocks; when aborted the call rejects with InterruptedError. */
  readonly signal?: AbortSignal;
}

/** What {@link gzipParallel} consumed and produced. */
export interface GzipSummary {
  readonly inputBytes: number;
  readonly outputBytes: number;
}

/**
 * Default level: gzip's own. On a 430 MiB tree of libraries and sources it compresses about
 * 4.5x faster than level 9 (Cedar's) for output 0.5% larger.
 */
export const DEFAULT_GZIP_LEVEL = 6;
const DEFAULT_BLOCK_SIZE = 1024 * 1024;
/** Deflate's window: each block is primed with this much of the data before it. */
const WINDOW = 32 * 1024;
/**
 * zlib's largest hash table: about 7% faster than the default 8 at level 6 on text (fewer
 * hash collisions) for slightly smaller output, at 128 KiB more per block in flight.
 */
const MEM_LEVEL = 9;
/** zlib's output piece size; one piece per block avoids ping-pong with the thread pool. */
const OUTPUT_PIECE = 256 * 1024;

/**
 * Gzip `source` into `write` using several cores, the way pigz does: the input is cut into
 * blocks that libuv's thread pool deflates concurrently (node:zlib's async calls), each block
 * primed with the previous 32 KiB as its dictionary and ended with a sync flush, so their
 * concatenation is one valid deflate stream; the last block ends it. A gzip header and the
 * CRC-32/ISIZE trailer wrap it into a single-member `.gz` that any gunzip reads.
 *
 * Input chunks may be reused by the source once the next one is requested (they are copied).
 * Memory stays bounded: at most `concurrency` blocks are in flight; `write` is awaited in
 * order and receives buffers it may keep.
 * @throws InterruptedError when `signal` is aborted; any error of `source` or `write`
 */
export async function gzipParallel(
  source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  write: (chunk: Uint8Array) => Promise<void>,
  options: ParallelGzipOptions = {},
): Promise<GzipSummary> {
  const level = options.level ?? DEFAULT_GZIP_LEVEL;
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  const concurrency = options.concurrency ?? Math.min(4, availableParallelism() + 1);
  if (!Number.isInteger(level) || level < 1 || level > 9) {
    throw new RangeError(`gzip level must be 1-9: ${level}`);
  }
  if (blockSize < WINDOW) throw new RangeError(`gzip block size must be >= ${WINDOW}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`gzip concurrency must be a positive integer: ${concurrency}`);
  }

  const free: Buffer[] = [];
  const inFlight: Promise<Buffer>[] = [];
  let block: Buffer = Buffer.allocUnsafe(blockSize);
  let used = 0;
  let crc = 0;
  let inputBytes = 0;
  let outputBytes = 0;
  let dictionary: Buffer | undefined;

  // Each write runs while the next block is being prepared; the one before it is awaited
  // first, so writes stay in order, one at a time, and a failure surfaces at the next emit.
  let writing: Promise<void> = Promise.resolve();
  const emit = async (chunk: Uint8Array): Promise<void> => {
    await writing;
    outputBytes += chunk.length;
    writing = write(chunk);
    writing.catch(() => undefined);
  };
  const checkSignal = (): void => {
    if (options.signal?.aborted === true) throw new InterruptedError("compression was interrupted");
  };

  const dispatch = async (last: boolean): Promise<void> => {
    const input = block.subarray(0, used);
    crc = crc32(input, crc);
    const owned = block;
    const job = deflateBlock(input, level, last, dictionary).finally(() => {
      free.push(owned);
    });
    // A later failure is reported by whoever awaits it; never as an unhandled rejection.
    job.catch(() => undefined);
    inFlight.push(job);
    if (used >= WINDOW) dictionary = Buffer.from(input.subarray(used - WINDOW));
    block = free.pop() ?? Buffer.allocUnsafe(blockSize);
    used = 0;
    await drainTo(concurrency - 1);
  };
  const drainTo = async (limit: number): Promise<void> => {
    while (inFlight.length > limit) {
      const head = inFlight.shift();
      if (head === undefined) return;
      await emit(await head);
    }
  };

  try {
    await emit(gzipHeader(level, options.fileName, options.mtime ?? 0));
    for await (const chunk of source) {
      checkSignal();
      inputBytes += chunk.length;
      let offset = 0;
      while (offset < chunk.length) {
        const count = Math.min(chunk.length - offset, blockSize - used);
        block.set(chunk.subarray(offset, offset + count), used);
        used += count;
        offset += count;
        if (used === blockSize) await dispatch(false);
      }
    }
    checkSignal();
    await dispatch(true);
    await drainTo(0);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc >>> 0, 0);
    trailer.writeUInt32LE(inputBytes % 2 ** 32, 4);
    await emit(trailer);
    await writing;
  } finally {
    // Let running blocks and the last write finish so no thread-pool job outlives the call.
    await Promise.allSettled([...inFlight, writing]);
  }
  return { inputBytes, outputBytes };
}

function deflateBlock(
  input: Buffer,
  level: number,
  last: boolean,
  dictionary: Buffer | undefined,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    deflateRaw(
      input,
      {
        level,
        memLevel: MEM_LEVEL,
        chunkSize: OUTPUT_PIECE,
        finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
        ...(dictionary === undefined ? {} : { dictionary }),
      },
      (error, output) => {
        if (error === null) resolve(output);
        else reject(error);
      },
    );
  });
}

/** RFC 1952 member header: deflate, optional FNAME, MTIME, XFL by level, OS = Unix. */
export function gzipHeader(level: number, fileName: string | undefined, mtime: number): Buffer {
  const name =
    fileName !== undefined &&
    fileName !== "" &&
    !fileName.includes("\0") &&
    !/[\u0100-\uffff]/.test(fileName)
      ? Buffer.from(`${fileName}\0`, "latin1")
      : undefined;
  const header = Buffer.alloc(10);
  header[0] = 0x1f;
  header[1] = 0x8b;
  header[2] = 8;
  header[3] = name === undefined ? 0 : 0x08;
  header.writeUInt32LE(Math.max(0, Math.trunc(mtime)) % 2 ** 32, 4);
  header[8] = level === 9 ? 2 : level === 1 ? 4 : 0;
  header[9] = 3;
  return name === undefined ? header : Buffer.concat([header, name]);
}
