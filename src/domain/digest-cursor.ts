/**
 * The old digest (`.sha`) of an incremental item, compared with the new one as the walk
 * goes: while the walk meets the old file's entries in the old file's order, each lookup is
 * one comparison against the next entry, read through a small window, and nothing is built;
 * the new file is the old one as long as every entry is byte for byte the same. At the first
 * entry out of place the whole old file is indexed (pickle.ts) and the new file is written
 * from the agreed prefix on. The answers and the new bytes are always exactly those of
 * {@link indexDigestPickle} and a {@link DigestPickleWriter} fed the same entries.
 */
import { ByteWindow, type ByteSink, type ByteSource } from "./byte-window.js";
import {
  DigestPickleWriter,
  escapeUnicode,
  hexEquals,
  writePut,
  type DigestLookup,
  type IndexedDigest,
} from "./pickle.js";

/**
 * Answers already given from the cursor may not be what the whole file says (it turned out
 * not to be exact: a repeated key, another encoding, damage): run the item again with the
 * state indexed from the start.
 */
export class CursorRestartError extends Error {}

/** What a {@link DigestCursor} starts from. */
export interface DigestCursorOptions {
  /** The old digest file; absent when there is none or it is not used (a reset). */
  readonly source?: ByteSource;
  /** The whole old file indexed; called at most once. Must not throw. */
  readonly index: () => IndexedDigest;
  /** Index the old file at once instead of reading it in order (after a restart). */
  readonly indexed?: boolean;
  /** Size hint for a new file. */
  readonly expectedBytes?: number;
  /** Bytes of the old file held at once (default 256 KiB). */
  readonly windowSize?: number;
  /**
   * Where the new file goes, opened when it is known to differ from the old one (at once
   * when there is no old file): the new bytes then stream there instead of being held.
   */
  readonly openSink?: () => ByteSink;
}

const DICT_START = [0x28, 0x64, 0x70, 0x30, 0x0a]; // "(dp0\n"
const STOP = 0x2e;
const HEX_LOWER = Buffer.from("0123456789abcdef", "latin1");
/** Bytes of an entry beyond its key: opcodes, 40 hex digits and two memo numbers. */
const ENTRY_ROOM = 100;
const NO_DIGEST: DigestLookup = { matches: () => false };

/** See the module comment. Entries must come with unique paths. */
export class DigestCursor {
  readonly #options: DigestCursorOptions;
  #window: ByteWindow | undefined;
  /** File offset of the next old entry; -1 when the old file does not start as a dict. */
  #pos = -1;
  /** Old entries answered from the cursor. */
  #consumed = 0;
  #lookup: DigestLookup | undefined;
  #writer: DigestPickleWriter | undefined;
  #hitEnd = 0;
  #hitMatches = false;
  #hitSame = false;
  #expected = Buffer.allocUnsafe(1024);

  constructor(options: DigestCursorOptions) {
    this.#options = options;
    const { source } = options;
    if (source === undefined) {
      this.#lookup = NO_DIGEST;
      this.#startWriter();
    } else if (options.indexed === true) {
      this.#lookup = options.index().lookup;
      this.#startWriter();
    } else {
      const window = new ByteWindow(source, options.windowSize);
      this.#window = window;
      if (window.has(0, DICT_START.length) && DICT_START.every((b, i) => window.data[i] === b)) {
        this.#pos = DICT_START.length;
      }
    }
  }

  /**
   * Record the new `digest` (20 bytes) of `path`.
   * @returns whether the old file holds exactly this digest for `path`
   * @throws CursorRestartError (see there)
   */
  add(path: string, digest: Uint8Array): boolean {
    if (this.#lookup === undefined) {
      if (this.#readEntry(path, digest)) {
        if (this.#writer !== undefined || !this.#hitSame) {
          this.#startWriter().add(path, digest);
        }
        this.#pos = this.#hitEnd;
        this.#consumed += 1;
        return this.#hitMatches;
      }
      this.#switchToIndex();
    }
    this.#startWriter().add(path, digest);
    return (this.#lookup ?? NO_DIGEST).matches(path, digest);
  }

  /**
   * The new file's bytes, or undefined when they are exactly the old file's. With a sink,
   * the bytes went there and the buffer returned is empty.
   * @throws CursorRestartError (see there)
   */
  finish(): Buffer | undefined {
    if (this.#lookup === undefined) {
      const window = this.#window;
      const pos = this.#pos;
      const atEnd =
        window !== undefined &&
        pos >= 0 &&
        pos + 1 === window.size &&
        window.has(pos, 1) &&
        window.data[pos - window.start] === STOP;
      if (!atEnd) this.#switchToIndex();
      else if (this.#writer === undefined) return undefined;
    }
    return this.#startWriter().finish();
  }

  /** The writer, started from the agreed prefix of the old file when there is none yet. */
  #startWriter(): DigestPickleWriter {
    if (this.#writer !== undefined) return this.#writer;
    const expected = this.#options.expectedBytes;
    const sink = this.#options.openSink?.();
    const window = this.#window;
    if (window === undefined || this.#consumed === 0) {
      this.#writer = new DigestPickleWriter(expected, sink);
    } else if (sink === undefined) {
      this.#writer = DigestPickleWriter.resume(window.copy(0, this.#pos), this.#consumed, expected);
    } else {
      window.copyTo(0, this.#pos, sink);
      this.#writer = DigestPickleWriter.resumeInto(sink, this.#consumed);
    }
    return this.#writer;
  }

  #switchToIndex(): void {
    const indexed = this.#options.index();
    if (this.#consumed > 0 && !indexed.exact) throw new CursorRestartError("digest not exact");
    this.#startWriter();
    this.#lookup = indexed.lookup;
    this.#window = undefined;
  }

  /**
   * Whether the next old entry has the key `path` in plain form; if so, sets where it ends,
   * whether its digest is `digest` and whether it is byte for byte what the writer would
   * write there.
   */
  #readEntry(path: string, digest: Uint8Array): boolean {
    const window = this.#window;
    const pos = this.#pos;
    if (window === undefined || pos < 0) return false;
    if (this.#isExpectedEntry(window, pos, path, digest)) return true;
    // The key as Python writes it; matching it byte for byte means the entry is `path`'s.
    const key = escapeUnicode(path);
    const room = Math.min(window.size - pos, key.length + ENTRY_ROOM);
    if (room <= 0 || !window.has(pos, room)) return false;
    const data = window.data;
    const base = pos - window.start;
    const limit = base + room;
    let i = base;
    if (data[i++] !== 0x56) return false; // V
    if (i + key.length >= limit) return false;
    for (let c = 0; c < key.length; c++) {
      if (key.charCodeAt(c) !== data[i++]) return false;
    }
    if (data[i++] !== 0x0a) return false;
    const memo = 2 * this.#consumed + 1;
    i = readPut(data, i, limit, memo);
    if (i === NO_PUT) return false;
    let same = i > 0;
    i = Math.abs(i);
    if (i + 42 > limit || data[i] !== 0x56 || data[i + 41] !== 0x0a) return false;
    const hex = i + 1;
    for (let k = 0; k < 40; k++) {
      const byte = data[hex + k] ?? 0;
      if (!isHexDigit(byte)) return false;
      const nibble = k % 2 === 0 ? (digest[k >> 1] ?? 0) >> 4 : (digest[k >> 1] ?? 0) & 15;
      if (byte !== HEX_LOWER[nibble]) same = false;
    }
    i = readPut(data, i + 42, limit, memo + 1);
    if (i === NO_PUT) return false;
    same &&= i > 0;
    i = Math.abs(i);
    if (i >= limit || data[i] !== 0x73) return false; // s
    this.#hitEnd = window.start + i + 1;
    this.#hitMatches = hexEquals(data, hex, digest);
    this.#hitSame = same;
    return true;
  }

  /**
   * The usual case, in one comparison: whether the next old entry is exactly what the writer
   * would write for `path` and `digest` (then sets the hit as {@link DigestCursor.#readEntry}).
   */
  #isExpectedEntry(window: ByteWindow, pos: number, path: string, digest: Uint8Array): boolean {
    const key = escapeUnicode(path);
    const memo = 2 * this.#consumed + 1;
    const length = key.length + 64;
    if (this.#expected.length < length) this.#expected = Buffer.allocUnsafe(2 * length);
    const out = this.#expected;
    out[0] = 0x56;
    let n = 1 + out.write(key, 1, "latin1");
    out[n++] = 0x0a;
    n = writePut(out, n, memo);
    out[n++] = 0x56;
    for (let k = 0; k < 20; k++) {
      const byte = digest[k] ?? 0;
      out[n++] = HEX_LOWER[byte >> 4] ?? 0;
      out[n++] = HEX_LOWER[byte & 15] ?? 0;
    }
    out[n++] = 0x0a;
    n = writePut(out, n, memo + 1);
    out[n++] = 0x73;
    if (pos + n > window.size || !window.has(pos, n)) return false;
    const at = pos - window.start;
    if (out.compare(window.data, at, at + n, 0, n) !== 0) return false;
    this.#hitEnd = pos + n;
    this.#hitMatches = true;
    this.#hitSame = true;
    return true;
  }
}

function isHexDigit(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) ||
    (byte >= 0x41 && byte <= 0x46) ||
    (byte >= 0x61 && byte <= 0x66)
  );
}

const NO_PUT = -1;

/**
 * A `p<digits>\n` at `i`: the index after it, positive when the number is written exactly as
 * `expected` is, negated when not (that index is at least 3, so never {@link NO_PUT}), and
 * NO_PUT when there is no PUT there.
 */
function readPut(data: Uint8Array, i: number, limit: number, expected: number): number {
  if (i >= limit || data[i] !== 0x70) return -1;
  const first = i + 1;
  let end = first;
  let value = 0;
  while (end < limit && (data[end] ?? 0) >= 0x30 && (data[end] ?? 0) <= 0x39) {
    value = value * 10 + (data[end] ?? 0) - 0x30;
    end++;
  }
  if (end === first || end >= limit || data[end] !== 0x0a) return -1;
  const exact = value === expected && (data[first] !== 0x30 || end === first + 1);
  return exact ? end + 1 : -(end + 1);
}
