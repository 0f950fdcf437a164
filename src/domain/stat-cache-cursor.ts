/**
 * The old stat cache of an incremental item, compared with the new one as the walk goes, as
 * digest-cursor.ts does for the digest: while the walk meets the old records in order, a
 * lookup is one comparison against the next record, read through a small window, and the
 * new file is the old one as long as every record is the same. At the first record out of
 * place the whole old file is indexed (stat-cache.ts) and the new file is written from the
 * agreed prefix on. Answers and bytes are always exactly those of {@link indexStatCache} and
 * a {@link StatCacheWriter} fed the same records.
 */
import { createHash } from "node:crypto";
import { ByteWindow, type ByteSink, type ByteSource } from "./byte-window.js";
import { CursorRestartError } from "./digest-cursor.js";
import { encodeFsName } from "./fs-name.js";
import {
  CHECKSUM_LENGTH,
  HEADER_LENGTH,
  MAGIC,
  RECORD_LENGTH,
  STAT_LENGTH,
  StatCacheWriter,
  VERSION,
  viewOf,
  writeNumberStat,
  type IndexedStatCache,
  type StatCacheLookup,
} from "./stat-cache.js";

/** What a {@link StatCacheCursor} starts from. */
export interface StatCacheCursorOptions {
  /** The old cache file; absent when there is none. */
  readonly source?: ByteSource;
  /** The whole old file indexed, undefined when it cannot be used; called at most once. */
  readonly index: () => IndexedStatCache | undefined;
  /** Index the old file at once instead of reading it in order (after a restart). */
  readonly indexed?: boolean;
  /** Size hint for a new file. */
  readonly expectedBytes?: number;
  /** Bytes of the old file held at once (default 256 KiB). */
  readonly windowSize?: number;
  /**
   * Where the new file goes, opened when it is known to differ from the old one: the new
   * bytes then stream there instead of being held.
   */
  readonly openSink?: () => ByteSink;
}

const ASCII_LIMIT = 0x80;
const DIGEST_LENGTH = 20;
const NO_CACHE: StatCacheLookup = { lookupNumbers: () => undefined };

/** See the module comment. Paths must be unique; every lookup is followed by its record. */
export class StatCacheCursor {
  readonly #options: StatCacheCursorOptions;
  #window: ByteWindow | undefined;
  #pos = HEADER_LENGTH;
  #count = 0;
  /** Old records answered from the cursor. */
  #consumed = 0;
  /** End and number of the old records the new file has so far, unchanged. */
  #agreedEnd = HEADER_LENGTH;
  #agreedCount = 0;
  #lookup: StatCacheLookup | undefined;
  #writer: StatCacheWriter | undefined;
  /** Whether the last lookup was answered from the cursor's record with matching facts. */
  #lastHit = false;
  #hitEnd = 0;
  readonly #probe = Buffer.alloc(STAT_LENGTH);
  readonly #probeView = viewOf(this.#probe);
  readonly #digest = Buffer.alloc(DIGEST_LENGTH);
  /** The file's checksum, computed as the cursor reads (answers are checked at the end). */
  readonly #checksum = createHash("sha256");
  #checkedUpTo = 0;

  constructor(options: StatCacheCursorOptions) {
    this.#options = options;
    const { source } = options;
    if (source === undefined) {
      this.#lookup = NO_CACHE;
    } else if (options.indexed === true) {
      this.#lookup = options.index()?.lookup ?? NO_CACHE;
    } else {
      const window = new ByteWindow(source, options.windowSize);
      if (hasHeader(window)) {
        this.#window = window;
        this.#count = window.data.readUInt32LE(MAGIC.length + 4);
        this.#checkRead();
      } else {
        this.#lookup = NO_CACHE; // missing or corrupt: hash again
      }
    }
  }

  /**
   * As {@link StatCacheLookup.lookupNumbers}: the recorded SHA-1 (valid until the next call)
   * when all five facts match, else undefined.
   * @throws CursorRestartError (see there)
   */
  lookupNumbers(
    path: string,
    dev: number,
    ino: number,
    size: number,
    mtimeNs: number,
    ctimeNs: number,
  ): Uint8Array | undefined {
    this.#lastHit = false;
    if (this.#lookup === undefined) {
      const recordStart = this.#readKey(path);
      if (recordStart >= 0) {
        const window = this.#window;
        this.#pos = recordStart + RECORD_LENGTH;
        this.#consumed += 1;
        if (window === undefined) return undefined;
        if (!writeNumberStat(this.#probeView, 0, dev, ino, size, mtimeNs, ctimeNs))
          return undefined;
        const at = recordStart - window.start;
        if (this.#probe.compare(window.data, at, at + STAT_LENGTH) !== 0) return undefined;
        // A plain loop beats Buffer#copy's call overhead for 20 bytes.
        const data = window.data;
        for (let i = 0; i < DIGEST_LENGTH; i++) this.#digest[i] = data[at + STAT_LENGTH + i] ?? 0;
        this.#lastHit = true;
        this.#hitEnd = this.#pos;
        return this.#digest;
      }
      this.#switchToIndex();
    }
    return (this.#lookup ?? NO_CACHE).lookupNumbers(path, dev, ino, size, mtimeNs, ctimeNs);
  }

  /**
   * Record the facts and SHA-1 of the path just looked up; `trusted` false leaves it out of
   * the new file (a file changed too recently to be cached).
   */
  record(
    path: string,
    dev: number,
    ino: number,
    size: number,
    mtimeNs: number,
    ctimeNs: number,
    digest: Uint8Array,
    trusted: boolean,
  ): void {
    if (this.#writer === undefined && this.#lastHit && trusted) {
      this.#agreedEnd = this.#hitEnd;
      this.#agreedCount += 1;
      return;
    }
    const writer = this.#startWriter();
    if (trusted) writer.add(path, dev, ino, size, mtimeNs, ctimeNs, digest);
  }

  /**
   * The new file's bytes, or undefined when they are exactly the old file's. With a sink,
   * the bytes went there and the buffer returned is empty.
   * @throws CursorRestartError (see there); RangeError as StatCacheWriter.finish
   */
  finish(): Buffer | undefined {
    if (this.#lookup === undefined) {
      const window = this.#window;
      const atEnd =
        window !== undefined &&
        this.#consumed === this.#count &&
        this.#pos === window.size - CHECKSUM_LENGTH;
      if (!atEnd) this.#switchToIndex();
      else if (!this.#isIntact()) throw new CursorRestartError("stat cache damaged");
      else if (this.#writer === undefined && this.#agreedCount === this.#count) return undefined;
    }
    return this.#startWriter().finish();
  }

  /** Feed the checksum the bytes the window brought in beyond those already counted. */
  #checkRead(): void {
    const window = this.#window;
    if (window === undefined) return;
    const end = Math.min(window.end, window.size - CHECKSUM_LENGTH);
    if (end <= this.#checkedUpTo || window.start > this.#checkedUpTo) return;
    const from = this.#checkedUpTo - window.start;
    this.#checksum.update(window.data.subarray(from, end - window.start));
    this.#checkedUpTo = end;
  }

  /** Whether the whole file matches its checksum (reading what the cursor has not). */
  #isIntact(): boolean {
    const window = this.#window;
    if (window === undefined) return false;
    const end = window.size - CHECKSUM_LENGTH;
    while (this.#checkedUpTo < end) {
      const before = this.#checkedUpTo;
      window.has(before, Math.min(window.data.length, end - before));
      this.#checkRead();
      if (this.#checkedUpTo === before) return false;
    }
    window.has(end, CHECKSUM_LENGTH);
    const at = end - window.start;
    return this.#checksum.digest().equals(window.data.subarray(at, at + CHECKSUM_LENGTH));
  }

  #startWriter(): StatCacheWriter {
    if (this.#writer !== undefined) return this.#writer;
    const expected = this.#options.expectedBytes;
    const sink = this.#options.openSink?.();
    const window = this.#window;
    if (window === undefined || this.#agreedCount === 0) {
      this.#writer = new StatCacheWriter(expected, sink);
    } else if (sink === undefined) {
      const records = window.copy(HEADER_LENGTH, this.#agreedEnd);
      this.#writer = StatCacheWriter.resume(records, this.#agreedCount, expected);
    } else {
      sink.append(Buffer.alloc(HEADER_LENGTH));
      window.copyTo(HEADER_LENGTH, this.#agreedEnd, sink);
      const length = this.#agreedEnd - HEADER_LENGTH;
      this.#writer = StatCacheWriter.resumeInto(sink, this.#agreedCount, length);
    }
    return this.#writer;
  }

  #switchToIndex(): void {
    const indexed = this.#options.index();
    if (this.#consumed > 0 && indexed?.exact !== true) {
      throw new CursorRestartError("stat cache not exact");
    }
    this.#startWriter();
    this.#lookup = indexed?.lookup ?? NO_CACHE;
    this.#window = undefined;
  }

  /** Offset of the next old record's facts when its key is `path`'s file name, else -1. */
  #readKey(path: string): number {
    const window = this.#window;
    const pos = this.#pos;
    const end = (window?.size ?? 0) - CHECKSUM_LENGTH;
    if (window === undefined || this.#consumed >= this.#count || pos + 4 > end) return -1;
    window.has(pos, 4);
    this.#checkRead();
    const length = window.data.readUInt32LE(pos - window.start);
    const recordStart = pos + 4 + length;
    if (recordStart + RECORD_LENGTH > end) return -1;
    window.has(pos, 4 + length + RECORD_LENGTH);
    this.#checkRead();
    const data = window.data;
    const key = pos + 4 - window.start;
    let ascii = length === path.length;
    for (let i = 0; ascii && i < length; i++) {
      const code = path.charCodeAt(i);
      if (code >= ASCII_LIMIT) ascii = false;
      else if (data[key + i] !== code) return -1;
    }
    if (!ascii) {
      const name = encodeFsName(path);
      if (name.length !== length || name.compare(data, key, key + length) !== 0) return -1;
    }
    return recordStart;
  }
}

/** Whether the window's file is long enough and starts with the right magic and version. */
function hasHeader(window: ByteWindow): boolean {
  if (window.size < HEADER_LENGTH + CHECKSUM_LENGTH || !window.has(0, HEADER_LENGTH)) return false;
  if (window.data.compare(MAGIC, 0, MAGIC.length, 0, MAGIC.length) !== 0) return false;
  return window.data.readUInt32LE(MAGIC.length) === VERSION;
}
