/**
 * The stat cache: our own side file (not Cedar's) remembering, per path, the inode facts seen
 * when its SHA-1 was computed, so an incremental collect can skip re-reading files whose
 * dev, ino, size, mtime and ctime are all unchanged. Encoding, version 1, little-endian:
 *
 *   "CBSTATC\n"  u32 version  u32 count
 *   count x ( u32 pathLength  path (file-name bytes)  u64 dev  u64 ino  u64 size
 *             i64 mtimeNs  i64 ctimeNs  20-byte SHA-1 )
 *   SHA-256 of everything before it
 *
 * Any damage makes decoding throw; the caller then simply runs without a cache.
 */
import { createHash } from "node:crypto";
import { ExitCode } from "../errors/exit-codes.js";
import { CbackError } from "../errors/cback-error.js";
import { readBack, type ByteSink } from "./byte-window.js";
import { decodeFsName, encodeFsName } from "./fs-name.js";
import { KeyIndex, KeyRangesBuilder, type KeyRanges } from "./key-index.js";

/** The file's layout, for stat-cache-cursor.ts. */
export const MAGIC = Buffer.from("CBSTATC\n", "latin1");
export const VERSION = 1;
export const HEADER_LENGTH = MAGIC.length + 8;
export const CHECKSUM_LENGTH = 32;
export const STAT_LENGTH = 40;
const DIGEST_LENGTH = 20;
export const RECORD_LENGTH = STAT_LENGTH + DIGEST_LENGTH;
const MIN_INT64 = -(2n ** 63n);
const MAX_UINT64 = 2n ** 64n - 1n;

/** The inode facts the cache compares; a `fs.BigIntStats` has them all. */
export interface FileStat {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

/** One cached file: its path (Python surrogateescape form), stat facts and SHA-1. */
export interface StatCacheEntry {
  readonly path: string;
  readonly stat: FileStat;
  /** The 20-byte SHA-1 of the content. */
  readonly digest: Uint8Array;
}

/** A stat cache file that cannot be used: wrong magic or version, truncated or corrupt. */
export class StatCacheError extends CbackError {
  readonly exitCode = ExitCode.ActionFailed;
}

function checkDigest(digest: Uint8Array): void {
  if (digest.length !== DIGEST_LENGTH) {
    throw new RangeError(`a SHA-1 digest has 20 bytes, got ${digest.length}`);
  }
}

function checkWord(word: bigint): bigint {
  if (word < MIN_INT64 || word > MAX_UINT64) {
    throw new RangeError(`stat value ${word} does not fit in 64 bits`);
  }
  return word;
}

/**
 * Stat facts as stored: five unsigned 64-bit little-endian words (negatives in two's
 * complement, which setBigUint64 produces by itself).
 */
function writeStat(target: DataView, offset: number, stat: FileStat): void {
  target.setBigUint64(offset, checkWord(stat.dev), true);
  target.setBigUint64(offset + 8, checkWord(stat.ino), true);
  target.setBigUint64(offset + 16, checkWord(stat.size), true);
  target.setBigUint64(offset + 24, checkWord(stat.mtimeNs), true);
  target.setBigUint64(offset + 32, checkWord(stat.ctimeNs), true);
}

const TWO_32 = 2 ** 32;
const ASCII = /^[^\u0080-\uffff]*$/;

/**
 * A stat value given as a JavaScript number, stored as {@link checkWord} and
 * `setBigUint64(BigInt(value))` would: false (nothing written) for a value that is not an
 * integer within 64 bits. Exact for any integral double: the split at 2^32 loses nothing.
 */
function writeNumberWord(target: DataView, offset: number, value: number): boolean {
  if (!Number.isInteger(value) || value < -(2 ** 63) || value >= 2 ** 64) return false;
  const high = Math.floor(value / TWO_32);
  target.setUint32(offset, value - high * TWO_32, true);
  target.setUint32(offset + 4, high >>> 0, true);
  return true;
}

/** The five stat facts as numbers (Node's number stats; times already in nanoseconds). */
export function writeNumberStat(
  target: DataView,
  offset: number,
  dev: number,
  ino: number,
  size: number,
  mtimeNs: number,
  ctimeNs: number,
): boolean {
  return (
    writeNumberWord(target, offset, dev) &&
    writeNumberWord(target, offset + 8, ino) &&
    writeNumberWord(target, offset + 16, size) &&
    writeNumberWord(target, offset + 24, mtimeNs) &&
    writeNumberWord(target, offset + 32, ctimeNs)
  );
}

export function viewOf(buffer: Buffer): DataView {
  return new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

// Set by the class's static block, so that encoding and decoding move whole records without
// making the record buffer part of the public API.
let addRecord!: (cache: StatCache, path: string, source: Buffer, offset: number) => void;
let forEachRecord!: (
  cache: StatCache,
  visit: (path: string, records: Buffer, offset: number) => void,
) => void;

/**
 * Path to (stat facts, SHA-1), compact: one 60-byte record per path in a shared buffer.
 * Iterates in insertion order.
 */
export class StatCache implements Iterable<StatCacheEntry> {
  readonly #slots = new Map<string, number>();
  #records: Buffer;
  readonly #probe = Buffer.alloc(STAT_LENGTH);
  readonly #probeView = viewOf(this.#probe);

  /** An empty cache; `expectedSize` (a hint) sizes its storage up front. */
  constructor(expectedSize = 0) {
    this.#records = Buffer.alloc(RECORD_LENGTH * Math.max(64, expectedSize));
  }

  /** Number of paths. */
  get size(): number {
    return this.#slots.size;
  }

  /** Whether `path` has an entry (whatever its stat facts). */
  has(path: string): boolean {
    return this.#slots.has(path);
  }

  /**
   * Remember that `path`, with these stat facts, had this 20-byte SHA-1; replaces an earlier
   * entry in place. Throws RangeError for a digest that is not 20 bytes or a stat value
   * outside 64 bits. Record only files whose mtime and ctime are older than the moment their
   * reading began, or a change within the same timestamp tick would go unnoticed.
   */
  set(path: string, stat: FileStat, digest: Uint8Array): this {
    checkDigest(digest);
    writeStat(this.#probeView, 0, stat);
    const slot = this.#slotFor(path);
    const start = slot * RECORD_LENGTH;
    this.#probe.copy(this.#records, start);
    this.#records.set(digest, start + STAT_LENGTH);
    return this;
  }

  /**
   * A copy of the SHA-1 recorded for `path`, but only when dev, ino, size, mtimeNs and
   * ctimeNs all equal `stat`; otherwise undefined (the file must be read again).
   */
  lookup(path: string, stat: FileStat): Uint8Array | undefined {
    const slot = this.#slots.get(path);
    if (slot === undefined) return undefined;
    try {
      writeStat(this.#probeView, 0, stat);
    } catch {
      return undefined;
    }
    const start = slot * RECORD_LENGTH;
    if (this.#probe.compare(this.#records, start, start + STAT_LENGTH) !== 0) return undefined;
    return new Uint8Array(this.#records.subarray(start + STAT_LENGTH, start + RECORD_LENGTH));
  }

  /**
   * {@link StatCache.lookup} with the facts as numbers, as `BigInt(value)` of each would
   * give them (no BigInt made): the recorded SHA-1 (a view, valid until the cache changes)
   * when all five match, else undefined.
   */
  lookupNumbers(
    path: string,
    dev: number,
    ino: number,
    size: number,
    mtimeNs: number,
    ctimeNs: number,
  ): Uint8Array | undefined {
    const slot = this.#slots.get(path);
    if (slot === undefined) return undefined;
    if (!writeNumberStat(this.#probeView, 0, dev, ino, size, mtimeNs, ctimeNs)) return undefined;
    const start = slot * RECORD_LENGTH;
    if (this.#probe.compare(this.#records, start, start + STAT_LENGTH) !== 0) return undefined;
    return this.#records.subarray(start + STAT_LENGTH, start + RECORD_LENGTH);
  }

  /** Every entry, in insertion order. */
  *entries(): IterableIterator<StatCacheEntry> {
    for (const [path, slot] of this.#slots) {
      const start = slot * RECORD_LENGTH;
      const word = (i: number): bigint => this.#records.readBigUInt64LE(start + i * 8);
      const stat: FileStat = {
        dev: word(0),
        ino: word(1),
        size: word(2),
        mtimeNs: BigInt.asIntN(64, word(3)),
        ctimeNs: BigInt.asIntN(64, word(4)),
      };
      const digest = new Uint8Array(
        this.#records.subarray(start + STAT_LENGTH, start + RECORD_LENGTH),
      );
      yield { path, stat, digest };
    }
  }

  /** Same as {@link StatCache.entries}. */
  [Symbol.iterator](): IterableIterator<StatCacheEntry> {
    return this.entries();
  }

  /** Slot of `path`, allocating (and growing the records) for a new one. */
  #slotFor(path: string): number {
    const existing = this.#slots.get(path);
    if (existing !== undefined) return existing;
    const slot = this.#slots.size;
    const needed = (slot + 1) * RECORD_LENGTH;
    if (needed > this.#records.length) {
      const grown = Buffer.alloc(Math.max(needed, this.#records.length * 2));
      this.#records.copy(grown);
      this.#records = grown;
    }
    this.#slots.set(path, slot);
    return slot;
  }

  static {
    addRecord = (cache, path, source, offset) => {
      const start = cache.#slotFor(path) * RECORD_LENGTH;
      const records = cache.#records;
      // A plain loop beats Buffer#copy's call overhead for 60 bytes.
      for (let i = 0; i < RECORD_LENGTH; i++) records[start + i] = source[offset + i] ?? 0;
    };
    forEachRecord = (cache, visit) => {
      for (const [path, slot] of cache.#slots) visit(path, cache.#records, slot * RECORD_LENGTH);
    };
  }
}

/**
 * Bytes of a stat cache file holding `entries`: a StatCache, or any entries (a later duplicate
 * path wins on decoding). Throws RangeError for a digest that is not 20 bytes or a stat value
 * outside 64 bits.
 */
export function encodeStatCache(entries: StatCache | Iterable<StatCacheEntry>): Buffer {
  let out = Buffer.alloc(64 * 1024);
  let view = viewOf(out);
  let length = HEADER_LENGTH;
  let count = 0;
  const reserve = (bytes: number): void => {
    if (length + bytes <= out.length) return;
    const grown = Buffer.alloc(Math.max(length + bytes, out.length * 2));
    out.copy(grown, 0, 0, length);
    out = grown;
    view = viewOf(out);
  };
  const addPath = (path: string): void => {
    const name = encodeFsName(path);
    reserve(4 + name.length + RECORD_LENGTH);
    length = out.writeUInt32LE(name.length, length);
    length += name.copy(out, length);
    count += 1;
  };
  if (entries instanceof StatCache) {
    forEachRecord(entries, (path, records, offset) => {
      addPath(path);
      length += records.copy(out, length, offset, offset + RECORD_LENGTH);
    });
  } else {
    for (const entry of entries) {
      checkDigest(entry.digest);
      addPath(entry.path);
      writeStat(view, length, entry.stat);
      out.set(entry.digest, length + STAT_LENGTH);
      length += RECORD_LENGTH;
    }
  }
  if (count > 0xffffffff) throw new RangeError("too many stat cache entries");
  reserve(CHECKSUM_LENGTH);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(VERSION, MAGIC.length);
  out.writeUInt32LE(count, MAGIC.length + 4);
  createHash("sha256").update(out.subarray(0, length)).digest().copy(out, length);
  return out.subarray(0, length + CHECKSUM_LENGTH);
}

/**
 * Builds the bytes of a stat cache file entry by entry, without keeping a map: the same bytes
 * as {@link encodeStatCache} of the same entries. Paths must be unique (the caller's job).
 */
export class StatCacheWriter {
  #out: Buffer;
  #view: DataView;
  #length = HEADER_LENGTH;
  #count = 0;
  #failure: RangeError | undefined;
  readonly #sink: ByteSink | undefined;
  /** Bytes already given to the sink. */
  #flushed = 0;

  /**
   * `expectedBytes` (a hint) sizes the output up front. With `sink`, the bytes go there as a
   * small buffer fills instead of being held whole; {@link StatCacheWriter.finish} then
   * writes the header in place and reads the file back for its checksum.
   */
  constructor(expectedBytes = 0, sink?: ByteSink) {
    this.#sink = sink;
    this.#out = Buffer.alloc(sink === undefined ? Math.max(64 * 1024, expectedBytes) : SINK_BUFFER);
    this.#view = viewOf(this.#out);
  }

  /**
   * A writer that goes on after `records`, the first `count` entries (without the header) of
   * a file this writer would write, as an old file holds them.
   */
  static resume(records: Uint8Array, count: number, expectedBytes = 0): StatCacheWriter {
    const writer = new StatCacheWriter(Math.max(expectedBytes, HEADER_LENGTH + records.length));
    writer.#out.set(records, HEADER_LENGTH);
    writer.#length = HEADER_LENGTH + records.length;
    writer.#count = count;
    return writer;
  }

  /**
   * As {@link StatCacheWriter.resume}, streaming into `sink`, which already holds room for
   * the header ({@link HEADER_LENGTH} bytes, any content) and then `recordsLength` bytes: the
   * first `count` entries of a file this writer would write.
   */
  static resumeInto(sink: ByteSink, count: number, recordsLength: number): StatCacheWriter {
    const writer = new StatCacheWriter(0, sink);
    writer.#length = 0;
    writer.#flushed = HEADER_LENGTH + recordsLength;
    writer.#count = count;
    return writer;
  }

  /**
   * Add `path` with its facts as numbers (as {@link StatCache.lookupNumbers}) and 20-byte
   * SHA-1. A value outside 64 bits makes {@link StatCacheWriter.finish} throw RangeError.
   */
  add(
    path: string,
    dev: number,
    ino: number,
    size: number,
    mtimeNs: number,
    ctimeNs: number,
    digest: Uint8Array,
  ): void {
    checkDigest(digest);
    let length: number;
    if (ASCII.test(path)) {
      // The name's bytes are its characters: written straight in, without a Buffer.
      this.#reserve(4 + path.length + RECORD_LENGTH);
      length = this.#out.writeUInt32LE(path.length, this.#length);
      length += this.#out.write(path, length, "latin1");
    } else {
      const name = encodeFsName(path);
      this.#reserve(4 + name.length + RECORD_LENGTH);
      length = this.#out.writeUInt32LE(name.length, this.#length);
      length += name.copy(this.#out, length);
    }
    if (!writeNumberStat(this.#view, length, dev, ino, size, mtimeNs, ctimeNs)) {
      const bad = [dev, ino, size, mtimeNs, ctimeNs].find(
        (value) => !Number.isInteger(value) || value < -(2 ** 63) || value >= 2 ** 64,
      );
      this.#failure ??= new RangeError(
        `stat value ${Number.isInteger(bad) ? BigInt(bad ?? 0) : String(bad)} does not fit in 64 bits`,
      );
    }
    this.#out.set(digest, length + STAT_LENGTH);
    this.#length = length + RECORD_LENGTH;
    this.#count += 1;
  }

  /** The file's bytes; with a sink, they all go there and the result is empty. */
  finish(): Buffer {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#count > 0xffffffff) throw new RangeError("too many stat cache entries");
    const sink = this.#sink;
    if (sink !== undefined) {
      this.#flush(sink);
      const header = Buffer.alloc(HEADER_LENGTH);
      MAGIC.copy(header, 0);
      header.writeUInt32LE(VERSION, MAGIC.length);
      header.writeUInt32LE(this.#count, MAGIC.length + 4);
      sink.writeAt(header, 0);
      const hash = createHash("sha256");
      readBack(sink, this.#flushed, (bytes) => hash.update(bytes));
      sink.append(hash.digest());
      return Buffer.alloc(0);
    }
    this.#reserve(CHECKSUM_LENGTH);
    const out = this.#out;
    const length = this.#length;
    MAGIC.copy(out, 0);
    out.writeUInt32LE(VERSION, MAGIC.length);
    out.writeUInt32LE(this.#count, MAGIC.length + 4);
    createHash("sha256").update(out.subarray(0, length)).digest().copy(out, length);
    return out.subarray(0, length + CHECKSUM_LENGTH);
  }

  #flush(sink: ByteSink): void {
    if (this.#length > 0) sink.append(this.#out.subarray(0, this.#length));
    this.#flushed += this.#length;
    this.#length = 0;
  }

  #reserve(bytes: number): void {
    if (this.#length + bytes <= this.#out.length) return;
    if (this.#sink !== undefined) {
      this.#flush(this.#sink);
      if (bytes <= this.#out.length) return;
    }
    const grown = Buffer.alloc(Math.max(this.#length + bytes, this.#out.length * 2));
    this.#out.copy(grown, 0, 0, this.#length);
    this.#out = grown;
    this.#view = viewOf(grown);
  }
}

/** Bytes a streaming writer holds before giving them to its sink. */
const SINK_BUFFER = 256 * 1024;

/** What an incremental collect asks of the stat cache. */
export interface StatCacheLookup {
  /**
   * As {@link StatCache.lookupNumbers}: the recorded SHA-1 (a view) when all five facts
   * match, else undefined.
   */
  lookupNumbers(
    path: string,
    dev: number,
    ino: number,
    size: number,
    mtimeNs: number,
    ctimeNs: number,
  ): Uint8Array | undefined;
}

/** The records of a checked stat cache file: keys are file-name bytes, records follow them. */
function scanStatCache(data: Buffer): KeyRanges {
  if (data.length < MAGIC.length || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new StatCacheError("not a stat cache file (bad magic)");
  }
  if (data.length < HEADER_LENGTH + CHECKSUM_LENGTH) {
    throw new StatCacheError("stat cache file is truncated");
  }
  const version = data.readUInt32LE(MAGIC.length);
  if (version !== VERSION) {
    throw new StatCacheError(`stat cache version ${version} is not supported (want ${VERSION})`);
  }
  const end = data.length - CHECKSUM_LENGTH;
  const checksum = createHash("sha256").update(data.subarray(0, end)).digest();
  if (!checksum.equals(data.subarray(end))) {
    throw new StatCacheError("stat cache checksum mismatch (truncated or corrupt)");
  }
  const count = data.readUInt32LE(MAGIC.length + 4);
  // Every entry takes at least 64 bytes, which bounds the size hint a forged count could ask for.
  const keys = new KeyRangesBuilder(Math.min(count, Math.floor((end - HEADER_LENGTH) / 64)));
  let offset = HEADER_LENGTH;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > end) throw new StatCacheError(`stat cache entry ${i} is truncated`);
    const pathLength = data.readUInt32LE(offset);
    const pathStart = offset + 4;
    const recordStart = pathStart + pathLength;
    if (recordStart + RECORD_LENGTH > end) {
      throw new StatCacheError(`stat cache entry ${i} is truncated`);
    }
    keys.add(pathStart, recordStart);
    offset = recordStart + RECORD_LENGTH;
  }
  if (offset !== end) throw new StatCacheError("stat cache has bytes after its last entry");
  return keys.finish(data);
}

/**
 * A stat cache file read for lookups, answering as the StatCache of {@link decodeStatCache}
 * would, but kept in its raw bytes with a {@link KeyIndex} over the paths: no string per
 * path, and lookups in file order cost one comparison each. Throws StatCacheError as
 * decodeStatCache does.
 */
export function readStatCache(bytes: Uint8Array): StatCacheLookup {
  return indexStatCache(bytes).lookup;
}

/** A stat cache file read for lookups, and whether its entries can be trusted in file order. */
export interface IndexedStatCache {
  readonly lookup: StatCacheLookup;
  /** Whether no path occurs twice: reading entries in file order then answers as the lookup. */
  readonly exact: boolean;
}

/** {@link readStatCache}, telling also whether the file is exact. */
export function indexStatCache(bytes: Uint8Array): IndexedStatCache {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const keys = scanStatCache(data);
  const index = new KeyIndex(keys);
  const probe = Buffer.alloc(STAT_LENGTH);
  const probeView = viewOf(probe);
  const lookup: StatCacheLookup = {
    lookupNumbers(path, dev, ino, size, mtimeNs, ctimeNs) {
      const entry = index.findFsName(path);
      if (entry < 0) return undefined;
      if (!writeNumberStat(probeView, 0, dev, ino, size, mtimeNs, ctimeNs)) return undefined;
      const start = keys.ends[entry] ?? 0;
      if (probe.compare(data, start, start + STAT_LENGTH) !== 0) return undefined;
      return data.subarray(start + STAT_LENGTH, start + RECORD_LENGTH);
    },
  };
  return { lookup, exact: !index.hasDuplicates };
}

/**
 * Read a stat cache file. Throws StatCacheError on a wrong magic or version, truncation,
 * a checksum mismatch or inconsistent contents.
 */
export function decodeStatCache(bytes: Uint8Array): StatCache {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { starts, ends, count } = scanStatCache(data);
  const cache = new StatCache(count);
  for (let i = 0; i < count; i++) {
    addRecord(cache, decodeFsName(data.subarray(starts[i], ends[i])), data, ends[i] ?? 0);
  }
  return cache;
}
