/**
 * Python pickle, protocol 0, in the shapes Cedar Backup keeps on disk: digest (`.sha`) maps,
 * the subversion `.svnlast` revision and the mbox `.mboxlast` datetime (cedar-core.md §3.2,
 * cedar-extensions.md §1.4-§1.5). The writers reproduce Python 3's bytes exactly; the reader
 * understands the opcodes those files (and Cedar Backup 2's, with `S` strings) contain and
 * never executes anything: GLOBAL and REDUCE only build descriptions.
 */
import { ExitCode } from "../errors/exit-codes.js";
import { CbackError } from "../errors/cback-error.js";
import type { ByteSink } from "./byte-window.js";
import { DigestMap } from "./digest-map.js";
import { KeyIndex, KeyRangesBuilder, type KeyRanges } from "./key-index.js";
import { decodeFsName } from "./fs-name.js";

/** A pickle that is malformed or uses an opcode this reader does not know. */
export class PickleError extends CbackError {
  readonly exitCode = ExitCode.ActionFailed;
  constructor(
    message: string,
    /** Byte offset of the opcode (or value) where decoding failed. */
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
  }
}

/** Python 2 `str` (an `S` string): plain bytes. */
export interface PickleBytes {
  readonly kind: "bytes";
  readonly bytes: Uint8Array;
}

/** A tuple (`t`). */
export interface PickleTuple {
  readonly kind: "tuple";
  readonly items: readonly PickleValue[];
}

/** A dict, with its items in insertion order (a repeated key appears once per SETITEM). */
export interface PickleDict {
  readonly kind: "dict";
  readonly entries: readonly (readonly [PickleValue, PickleValue])[];
}

/** A reference to `module.name` (GLOBAL), which the reader does not resolve. */
export interface PickleGlobal {
  readonly kind: "global";
  readonly module: string;
  readonly name: string;
}

/** A call `callable(*args)` (REDUCE), which the reader does not perform. */
export interface PickleReduce {
  readonly kind: "reduce";
  readonly callable: PickleValue;
  readonly args: PickleTuple;
}

/**
 * A decoded value. Python ints become `bigint`, `True`/`False` written as `I01`/`I00` become
 * booleans, `None` becomes `null`, `str` becomes `string`.
 */
export type PickleValue =
  | null
  | boolean
  | bigint
  | string
  | PickleBytes
  | PickleTuple
  | PickleDict
  | PickleGlobal
  | PickleReduce;

/** A naive `datetime.datetime`, as the mbox extension stores its last run. */
export interface PickleDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly microsecond: number;
}

const SPECIAL = /[\\\0\n\r\u0100-\uffff]/;
/** Characters Python 3 escapes before raw-unicode-escape: `\`, NUL, LF, CR and 0x1A. */
const PRE_ESCAPED = new Set([0x5c, 0x00, 0x0a, 0x0d, 0x1a]);

/**
 * One string as Python 3 writes it after a `V`: pre-escaped, then raw-unicode-escape (every
 * character of the result is below U+0100). `text` itself when nothing needs escaping.
 */
export function escapeUnicode(text: string): string {
  if (!SPECIAL.test(text) && !text.includes("\x1a")) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i += 1;
      }
    }
    if (code > 0xffff) out += `\\U${code.toString(16).padStart(8, "0")}`;
    else if (code > 0xff || PRE_ESCAPED.has(code))
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += String.fromCharCode(code);
  }
  return out;
}

/**
 * Python 3's `pickle.dump(d, f, 0)` of a dict of `str` to `str`, entries in iteration order.
 * Paths carry undecodable file-name bytes as lone surrogates U+DC80-U+DCFF (see fs-name.ts).
 */
export function encodeDigestPickle(entries: Iterable<readonly [string, string]>): Buffer {
  const writer = new DigestPickleWriter();
  for (const [key, value] of entries) writer.add(key, value);
  return writer.finish();
}

/**
 * {@link encodeDigestPickle} one entry at a time, without a map: keys must be unique (the
 * caller's job), as a dict's are.
 */
export class DigestPickleWriter {
  #out: Buffer;
  #length: number;
  #memo = 1;
  readonly #sink: ByteSink | undefined;

  /**
   * `expectedBytes` (a hint) sizes the output up front. With `sink`, the bytes go there as a
   * small buffer fills instead of being held whole.
   */
  constructor(expectedBytes = 0, sink?: ByteSink) {
    this.#sink = sink;
    this.#out = Buffer.allocUnsafe(
      sink === undefined ? Math.max(64 * 1024, expectedBytes + 1) : SINK_BUFFER,
    );
    this.#length = this.#out.write("(dp0\n", "latin1");
  }

  /**
   * A writer that goes on after `prefix`, the first `entries` entries of a pickle this
   * writer would write (its `(dp0` included), as an old file holds them.
   */
  static resume(prefix: Uint8Array, entries: number, expectedBytes = 0): DigestPickleWriter {
    const writer = new DigestPickleWriter(Math.max(expectedBytes, prefix.length));
    writer.#out.set(prefix, 0);
    writer.#length = prefix.length;
    writer.#memo = 2 * entries + 1;
    return writer;
  }

  /**
   * As {@link DigestPickleWriter.resume}, streaming into `sink`, which already holds the
   * prefix (the first `entries` entries, `(dp0` included).
   */
  static resumeInto(sink: ByteSink, entries: number): DigestPickleWriter {
    const writer = new DigestPickleWriter(0, sink);
    writer.#length = 0;
    writer.#memo = 2 * entries + 1;
    return writer;
  }

  /** Add `key` with `value` (a string, or a 20-byte SHA-1 written as lowercase hex). */
  add(key: string, value: string | Uint8Array): void {
    if (typeof value !== "string" && this.#addPlain(key, value)) return;
    // Hex digits need no escaping.
    const text =
      typeof value === "string"
        ? escapeUnicode(value)
        : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex");
    const memo = this.#memo;
    const item = `V${escapeUnicode(key)}\np${memo}\nV${text}\np${memo + 1}\ns`;
    this.#memo = memo + 2;
    if (this.#length + item.length + 1 > this.#out.length) {
      const sink = this.#sink;
      if (sink !== undefined) {
        this.#flush(sink);
        if (item.length + 1 > this.#out.length) {
          sink.append(Buffer.from(item, "latin1"));
          return;
        }
      } else {
        const grown = Buffer.alloc(Math.max(this.#out.length * 2, this.#length + item.length + 1));
        this.#out.copy(grown, 0, 0, this.#length);
        this.#out = grown;
      }
    }
    // Every character is below U+0100 after escaping, so Latin-1 writes it as its own byte.
    this.#length += this.#out.write(item, this.#length, "latin1");
  }

  /**
   * The usual entry, a key that needs no escaping and a digest, written straight into the
   * buffer without building strings (an incremental collect adds one per file). False,
   * with nothing written, when the entry is not of that kind or does not fit.
   */
  #addPlain(key: string, digest: Uint8Array): boolean {
    const room = key.length + 2 * digest.length + 2 * MAX_PUT + 4;
    if (this.#length + room + 1 > this.#out.length) {
      if (this.#sink === undefined || room + 1 > this.#out.length) return false;
      this.#flush(this.#sink);
    }
    if (SPECIAL.test(key) || key.includes("\x1a")) return false;
    const out = this.#out;
    let n = this.#length;
    out[n++] = 0x56; // V
    n += out.write(key, n, "latin1");
    out[n++] = 0x0a;
    n = writePut(out, n, this.#memo);
    out[n++] = 0x56;
    for (const byte of digest) {
      out[n++] = HEX_DIGITS[byte >> 4] ?? 0;
      out[n++] = HEX_DIGITS[byte & 15] ?? 0;
    }
    out[n++] = 0x0a;
    n = writePut(out, n, this.#memo + 1);
    out[n++] = 0x73; // s
    this.#length = n;
    this.#memo += 2;
    return true;
  }

  /** The pickle's bytes; with a sink, the last ones go there and the result is empty. */
  finish(): Buffer {
    if (this.#length + 1 > this.#out.length) {
      const grown = Buffer.alloc(this.#length + 1);
      this.#out.copy(grown, 0, 0, this.#length);
      this.#out = grown;
    }
    this.#out[this.#length] = 0x2e; // STOP
    const bytes = this.#out.subarray(0, this.#length + 1);
    if (this.#sink === undefined) return bytes;
    this.#sink.append(bytes);
    this.#length = 0;
    return Buffer.alloc(0);
  }

  #flush(sink: ByteSink): void {
    if (this.#length > 0) sink.append(this.#out.subarray(0, this.#length));
    this.#length = 0;
  }
}

/** Bytes a streaming writer holds before giving them to its sink. */
const SINK_BUFFER = 256 * 1024;
const HEX_DIGITS = Buffer.from("0123456789abcdef", "latin1");
/** Bytes of the longest `p<memo>\n` (a memo below 2^53). */
const MAX_PUT = 18;

/**
 * `p<memo>\n` into `out` at `n`; returns the index after it. Digit by digit: turning a
 * number into a string would fill V8's number-string cache, which on a collect of 200,000
 * files grows the heap by more than the whole pickle buffer.
 */
export function writePut(out: Buffer, n: number, memo: number): number {
  out[n] = 0x70; // p
  let digits = 1;
  for (let bound = 10; bound <= memo; bound *= 10) digits++;
  let value = memo;
  for (let i = digits; i > 0; i--) {
    out[n + i] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  }
  out[n + digits + 1] = 0x0a;
  return n + digits + 2;
}

/** Python 3's protocol-0 pickle of an int: `I<n>\n.` within 32 bits, else `L<n>L\n.`. */
export function encodeRevisionPickle(revision: bigint): Buffer {
  const fitsInt = revision >= -0x80000000n && revision <= 0x7fffffffn;
  return Buffer.from(fitsInt ? `I${revision}\n.` : `L${revision}L\n.`, "latin1");
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The problem Python's `datetime()` constructor would report, or undefined. */
function dateTimeProblem(value: PickleDateTime): string | undefined {
  const { year, month, day, hour, minute, second, microsecond } = value;
  const inRange = (n: number, low: number, high: number): boolean =>
    Number.isInteger(n) && n >= low && n <= high;
  if (!inRange(year, 1, 9999)) return `year ${year} is out of range`;
  if (!inRange(month, 1, 12)) return `month ${month} is out of range`;
  if (!inRange(day, 1, daysInMonth(year, month))) return `day ${day} is out of range for month`;
  if (!inRange(hour, 0, 23)) return `hour ${hour} is out of range`;
  if (!inRange(minute, 0, 59)) return `minute ${minute} is out of range`;
  if (!inRange(second, 0, 59)) return `second ${second} is out of range`;
  if (!inRange(microsecond, 0, 999_999)) return `microsecond ${microsecond} is out of range`;
  return undefined;
}

/**
 * Python 3's `pickle.dump(datetime(...), f, 0)` of a naive datetime (the `.mboxlast` layout).
 * Throws RangeError for a value Python's `datetime` would refuse.
 */
export function encodeDatetimePickle(value: PickleDateTime): Buffer {
  const problem = dateTimeProblem(value);
  if (problem !== undefined) throw new RangeError(`datetime: ${problem}`);
  const { year, month, day, hour, minute, second, microsecond } = value;
  const state = String.fromCharCode(
    year >> 8,
    year & 0xff,
    month,
    day,
    hour,
    minute,
    second,
    microsecond >> 16,
    (microsecond >> 8) & 0xff,
    microsecond & 0xff,
  );
  return Buffer.from(
    `cdatetime\ndatetime\np0\n(c_codecs\nencode\np1\n(V${escapeUnicode(state)}\np2\n` +
      "Vlatin1\np3\ntp4\nRp5\ntp6\nRp7\n.",
    "latin1",
  );
}

const HEX_DIGIT = /^[0-9a-fA-F]+$/;

/** Python's raw-unicode-escape decoding of `bytes[start, end)`. */
function decodeRawUnicodeEscape(bytes: Buffer, start: number, end: number): string {
  let out = "";
  let run = start;
  let i = start;
  while (i < end) {
    if (bytes[i] !== 0x5c) {
      i += 1;
      continue;
    }
    // Only the last of an odd run of backslashes starts an escape; the others are literal.
    let slashes = i;
    while (slashes < end && bytes[slashes] === 0x5c) slashes += 1;
    const letter = bytes[slashes];
    if ((slashes - i) % 2 === 0 || (letter !== 0x75 && letter !== 0x55)) {
      i = slashes;
      continue;
    }
    const digits = letter === 0x75 ? 4 : 8;
    const hex = bytes.toString("latin1", slashes + 1, slashes + 1 + digits);
    if (hex.length !== digits || !HEX_DIGIT.test(hex)) {
      throw new PickleError(`truncated \\${String.fromCharCode(letter)} escape`, slashes - 1);
    }
    const code = Number.parseInt(hex, 16);
    if (code > 0x10ffff) throw new PickleError("\\U escape beyond U+10FFFF", slashes - 1);
    out += bytes.toString("latin1", run, slashes - 1) + String.fromCodePoint(code);
    i = slashes + 1 + digits;
    run = i;
  }
  return out + bytes.toString("latin1", run, end);
}

const SIMPLE_ESCAPES = new Map<number, number>([
  [0x5c, 0x5c], // \\
  [0x27, 0x27], // \'
  [0x22, 0x22], // \"
  [0x61, 0x07], // \a
  [0x62, 0x08], // \b
  [0x66, 0x0c], // \f
  [0x6e, 0x0a], // \n
  [0x72, 0x0d], // \r
  [0x74, 0x09], // \t
  [0x76, 0x0b], // \v
]);

function isOctal(byte: number | undefined): byte is number {
  return byte !== undefined && byte >= 0x30 && byte <= 0x37;
}

/** Python's `codecs.escape_decode` (string-literal escapes) of `bytes[start, end)`. */
function decodeStringEscapes(bytes: Buffer, start: number, end: number): Uint8Array {
  const out: number[] = [];
  let i = start;
  while (i < end) {
    const byte = bytes[i] ?? 0;
    i += 1;
    if (byte !== 0x5c) {
      out.push(byte);
      continue;
    }
    if (i >= end) throw new PickleError("trailing \\ in string", i - 1);
    const letter = bytes[i] ?? 0;
    i += 1;
    const simple = SIMPLE_ESCAPES.get(letter);
    if (simple !== undefined) {
      out.push(simple);
    } else if (isOctal(letter)) {
      let code = letter - 0x30;
      for (let n = 0; n < 2 && i < end && isOctal(bytes[i]); n++) {
        code = code * 8 + (bytes[i] ?? 0) - 0x30;
        i += 1;
      }
      out.push(code & 0xff);
    } else if (letter === 0x78) {
      const hex = bytes.toString("latin1", i, Math.min(i + 2, end));
      if (hex.length !== 2 || !HEX_DIGIT.test(hex)) {
        throw new PickleError("invalid \\x escape", i - 2);
      }
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      // Unknown escapes stay as written, as in Python.
      out.push(0x5c, letter);
    }
  }
  return Uint8Array.from(out);
}

const INTEGER = /^[+-]?[0-9]+$/;

/**
 * Read one protocol-0 pickle (plus BINPUT/BINGET memo opcodes). Bytes after the STOP opcode
 * are ignored, as `pickle.load` ignores the rest of its file. Throws PickleError (with the
 * offset) on anything malformed or unknown.
 */
export function decodePickle(bytes: Uint8Array): PickleValue {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: PickleValue[] = [];
  const marks: number[] = [];
  // Python numbers memo slots 0, 1, 2, ..., so an array suits them.
  const memo: (PickleValue | undefined)[] = [];
  // Position of the next backslash at or after `pos`, searched natively and reused, so
  // strings without escapes (nearly all of them) are sliced without a byte loop.
  let nextSlash = -1;
  let pos = 0;
  let opcodeAt = 0;

  const fail = (message: string): never => {
    throw new PickleError(message, opcodeAt);
  };
  /** End of the line that starts at `pos` (the index of its `\n`). */
  const lineEnd = (): number => {
    const end = data.indexOf(0x0a, pos);
    return end < 0 ? fail("line without a newline") : end;
  };
  const readLine = (): string => {
    const end = lineEnd();
    const line = data.toString("latin1", pos, end);
    pos = end + 1;
    return line;
  };
  const readMemoIndex = (): number => {
    const end = lineEnd();
    let index = 0;
    for (let i = pos; i < end; i++) {
      const digit = (data[i] ?? 0) - 0x30;
      if (digit < 0 || digit > 9 || index > 0x7fffffff) fail("bad memo index");
      index = index * 10 + digit;
    }
    if (end === pos) fail("bad memo index");
    pos = end + 1;
    return index;
  };
  const readLittleEndian = (size: 1 | 4): number => {
    if (pos + size > data.length) fail("truncated memo index");
    const value = size === 1 ? (data[pos] ?? 0) : data.readUInt32LE(pos);
    pos += size;
    return value;
  };
  // Values below the latest MARK belong to an enclosing container and are out of reach.
  const fence = (): number => marks[marks.length - 1] ?? 0;
  const pop = (): PickleValue =>
    stack.length > fence() ? (stack.pop() ?? null) : fail("stack underflow");
  const top = (): PickleValue =>
    stack.length > fence() ? (stack[stack.length - 1] ?? null) : fail("stack underflow");
  const popToMark = (): PickleValue[] => {
    const mark = marks.pop();
    return mark === undefined ? fail("no MARK") : stack.splice(mark);
  };
  const topDict = (): (readonly [PickleValue, PickleValue])[] => {
    const dict = top();
    if (dict === null || typeof dict !== "object" || dict.kind !== "dict") {
      return fail("SETITEM on something that is not a dict");
    }
    return dict.entries as (readonly [PickleValue, PickleValue])[];
  };
  const pairs = (items: PickleValue[]): (readonly [PickleValue, PickleValue])[] => {
    if (items.length % 2 !== 0) fail("odd number of dict items");
    const entries: (readonly [PickleValue, PickleValue])[] = [];
    for (let i = 0; i < items.length; i += 2)
      entries.push([items[i] ?? null, items[i + 1] ?? null]);
    return entries;
  };

  while (pos < data.length) {
    opcodeAt = pos;
    const opcode = data[pos] ?? 0;
    pos += 1;
    switch (opcode) {
      case 0x2e: // . STOP
        return pop();
      case 0x28: // ( MARK
        marks.push(stack.length);
        break;
      case 0x64: // d DICT
        stack.push({ kind: "dict", entries: pairs(popToMark()) });
        break;
      case 0x7d: // } EMPTY_DICT
        stack.push({ kind: "dict", entries: [] });
        break;
      case 0x73: {
        // s SETITEM
        const value = pop();
        const key = pop();
        topDict().push([key, value]);
        break;
      }
      case 0x75: {
        // u SETITEMS
        const items = popToMark();
        topDict().push(...pairs(items));
        break;
      }
      case 0x74: // t TUPLE
        stack.push({ kind: "tuple", items: popToMark() });
        break;
      case 0x70: // p PUT
        memo[readMemoIndex()] = top();
        break;
      case 0x71: // q BINPUT
        memo[readLittleEndian(1)] = top();
        break;
      case 0x72: // r LONG_BINPUT
        memo[readLittleEndian(4)] = top();
        break;
      case 0x67: // g GET
      case 0x68: // h BINGET
      case 0x6a: {
        // j LONG_BINGET
        const index = opcode === 0x67 ? readMemoIndex() : readLittleEndian(opcode === 0x68 ? 1 : 4);
        const value = memo[index];
        stack.push(value === undefined ? fail(`memo ${index} was never stored`) : value);
        break;
      }
      case 0x56: {
        // V UNICODE
        const end = lineEnd();
        if (nextSlash < pos) {
          const found = data.indexOf(0x5c, pos);
          nextSlash = found < 0 ? Infinity : found;
        }
        stack.push(
          nextSlash < end
            ? decodeRawUnicodeEscape(data, pos, end)
            : data.toString("latin1", pos, end),
        );
        pos = end + 1;
        break;
      }
      case 0x53: {
        // S STRING
        const end = lineEnd();
        const quote = data[pos];
        if (end - pos < 2 || (quote !== 0x27 && quote !== 0x22) || data[end - 1] !== quote) {
          fail("the STRING argument must be quoted");
        }
        const start = pos + 1;
        pos = end + 1;
        stack.push({ kind: "bytes", bytes: decodeStringEscapes(data, start, end - 1) });
        break;
      }
      case 0x49: {
        // I INT
        const line = readLine();
        if (line === "01" || line === "00") stack.push(line === "01");
        else stack.push(INTEGER.test(line) ? BigInt(line) : fail(`bad INT "${line}"`));
        break;
      }
      case 0x4c: {
        // L LONG
        const line = readLine();
        const digits = line.endsWith("L") ? line.slice(0, -1) : line;
        stack.push(INTEGER.test(digits) ? BigInt(digits) : fail(`bad LONG "${line}"`));
        break;
      }
      case 0x4e: // N NONE
        stack.push(null);
        break;
      case 0x63: {
        // c GLOBAL
        const module = readLine();
        const name = readLine();
        stack.push({ kind: "global", module, name });
        break;
      }
      case 0x52: {
        // R REDUCE
        const args = pop();
        const callable = pop();
        if (args === null || typeof args !== "object" || args.kind !== "tuple") {
          fail("REDUCE arguments are not a tuple");
        } else {
          stack.push({ kind: "reduce", callable, args });
        }
        break;
      }
      default:
        fail(`unsupported opcode 0x${opcode.toString(16).padStart(2, "0")}`);
    }
  }
  opcodeAt = pos;
  return fail("no STOP opcode");
}

/** A `str`, or an ASCII-or-file-name `S` string from a Cedar Backup 2 file. */
function asText(value: PickleValue): string | undefined {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object" && value.kind === "bytes") {
    // Python 3 would refuse non-ASCII bytes; decoding them as a file name keeps the entry.
    return decodeFsName(value.bytes);
  }
  return undefined;
}

/**
 * Read a digest (`.sha`) file: a dict of path to 40-hex SHA-1. Throws PickleError when the
 * bytes are not a pickle or hold anything else; Cedar then starts from an empty map.
 */
export function decodeDigestPickle(bytes: Uint8Array): DigestMap {
  const fast = decodePlainDigestPickle(
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  );
  if (fast !== undefined) return fast;
  const value = decodePickle(bytes);
  if (value === null || typeof value !== "object" || value.kind !== "dict") {
    throw new PickleError("digest pickle is not a dict", 0);
  }
  const map = new DigestMap(value.entries.length);
  for (const [key, digest] of value.entries) {
    const path = asText(key);
    const hex = asText(digest);
    if (path === undefined)
      throw new PickleError("digest pickle has a key that is not a string", 0);
    if (hex?.length !== 40) throw new PickleError(`digest of "${path}" is not 40 hex digits`, 0);
    try {
      map.set(path, hex);
    } catch {
      throw new PickleError(`digest of "${path}" is not 40 hex digits`, 0);
    }
  }
  return map;
}

const DICT_START = Buffer.from("(dp0\n", "latin1");

/** Where the entries of a plain digest pickle are: keys, and each value's 40 hex digits. */
interface PlainDigestPickle {
  readonly keys: KeyRanges;
  /** Offset of entry `i`'s hex digest. */
  readonly values: Int32Array;
}

function isHexDigit(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) ||
    (byte >= 0x41 && byte <= 0x46) ||
    (byte >= 0x61 && byte <= 0x66)
  );
}

/**
 * The digest pickle exactly as Python 3 (and {@link encodeDigestPickle}) writes it:
 * `(dp0`, then per entry `V<key>`, `p<n>`, `V<hex>`, `p<n>`, `s`, then STOP. Undefined for
 * anything else (escapes Python would not write, other opcodes, a bad digest), which the
 * general decoder then reads or rejects, so that what is read is always what it would read.
 * Key ranges are the keys as written (escaped where Python escapes).
 */
function scanPlainDigestPickle(data: Buffer): PlainDigestPickle | undefined {
  if (data.length < DICT_START.length || data.compare(DICT_START, 0, 5, 0, 5) !== 0) {
    return undefined;
  }
  // Entries take at least 60 bytes (a 40-digit value and the opcodes): a size hint.
  const keys = new KeyRangesBuilder(Math.floor(data.length / 96));
  let values = new Int32Array(Math.max(1024, Math.floor(data.length / 96)));
  let count = 0;
  // Python never leaves these raw in a `V` string (and opcodes never hold them): a file that
  // has one was not written by Python, and goes to the general decoder.
  if (data.includes(0x00) || data.includes(0x0d) || data.includes(0x1a)) return undefined;
  let slash = data.indexOf(0x5c);
  let pos = DICT_START.length;
  /**
   * End of a `V` string at `pos` (its newline), or -1 when it is not one, or holds an escape
   * other than exactly the one Python writes for its text.
   */
  const unicodeEnd = (): number => {
    if (data[pos] !== 0x56) return -1;
    const end = data.indexOf(0x0a, pos + 1);
    if (end < 0) return -1;
    if (slash >= 0 && slash < pos) slash = data.indexOf(0x5c, pos);
    if (slash >= 0 && slash < end && !isCanonicalEscaped(data, pos + 1, end)) return -1;
    return end;
  };
  /** Skips a `p<digits>\n` PUT at `pos`; false when there is none. */
  const skipPut = (): boolean => {
    if (data[pos] !== 0x70) return false;
    let i = pos + 1;
    while (i < data.length && (data[i] ?? 0) >= 0x30 && (data[i] ?? 0) <= 0x39) i++;
    if (i === pos + 1 || data[i] !== 0x0a) return false;
    pos = i + 1;
    return true;
  };
  for (;;) {
    if (data[pos] === 0x2e) return { keys: keys.finish(data), values: values.subarray(0, count) };
    const keyEnd = unicodeEnd();
    if (keyEnd < 0) return undefined;
    const keyStart = pos + 1;
    pos = keyEnd + 1;
    if (!skipPut()) return undefined;
    const valueEnd = unicodeEnd();
    if (valueEnd !== pos + 41) return undefined;
    const valueStart = pos + 1;
    for (let i = valueStart; i < valueEnd; i++) if (!isHexDigit(data[i] ?? 0)) return undefined;
    pos = valueEnd + 1;
    if (!skipPut() || data[pos] !== 0x73) return undefined;
    pos += 1;
    keys.add(keyStart, keyEnd);
    if (count === values.length) {
      const grown = new Int32Array(count * 2);
      grown.set(values);
      values = grown;
    }
    values[count] = valueStart;
    count += 1;
  }
}

/** Whether `data[start, end)` is exactly {@link escapeUnicode} of the text it decodes to. */
function isCanonicalEscaped(data: Buffer, start: number, end: number): boolean {
  try {
    return (
      escapeUnicode(decodeRawUnicodeEscape(data, start, end)) ===
      data.toString("latin1", start, end)
    );
  } catch {
    return false;
  }
}

/** The text of a plain `V` string `data[start, end)` (escaped only when it holds a `\`). */
function plainText(data: Buffer, start: number, end: number): string {
  const slash = data.indexOf(0x5c, start);
  return slash >= 0 && slash < end
    ? decodeRawUnicodeEscape(data, start, end)
    : data.toString("latin1", start, end);
}

/** {@link scanPlainDigestPickle} read into a DigestMap. */
function decodePlainDigestPickle(data: Buffer): DigestMap | undefined {
  const plain = scanPlainDigestPickle(data);
  if (plain === undefined) return undefined;
  const { starts, ends, count } = plain.keys;
  const map = new DigestMap(count);
  for (let i = 0; i < count; i++) {
    const value = plain.values[i] ?? 0;
    map.set(
      plainText(data, starts[i] ?? 0, ends[i] ?? 0),
      data.toString("latin1", value, value + 40),
    );
  }
  return map;
}

/** What an incremental collect asks of the old digest. */
export interface DigestLookup {
  /** Whether `path` is present with exactly this 20-byte digest. */
  matches(path: string, digest: Uint8Array): boolean;
}

const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE[i.toString(16).charCodeAt(0)] = i;
  HEX_VALUE[i.toString(16).toUpperCase().charCodeAt(0)] = i;
}

/**
 * A digest (`.sha`) file read for lookups, answering exactly as the DigestMap of
 * {@link decodeDigestPickle} would. A file as Python or cback writes it (keys without escapes)
 * stays in its raw bytes with a {@link KeyIndex} over them; lookups in file order cost one
 * comparison each. Anything else is decoded into a DigestMap. Throws PickleError as
 * decodeDigestPickle does.
 */
export function readDigestPickle(bytes: Uint8Array): DigestLookup {
  return indexDigestPickle(bytes).lookup;
}

/** A digest file read for lookups, and whether its entries can be trusted in file order. */
export interface IndexedDigest {
  readonly lookup: DigestLookup;
  /**
   * Whether the file is in the plain form Python writes, without a repeated key: reading
   * its entries one by one in file order then answers as the lookup does.
   */
  readonly exact: boolean;
}

/** {@link readDigestPickle}, telling also whether the file is exact. */
export function indexDigestPickle(bytes: Uint8Array): IndexedDigest {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const plain = scanPlainDigestPickle(data);
  if (plain === undefined) return { lookup: decodeDigestPickle(bytes), exact: false };
  const index = new KeyIndex(plain.keys);
  const { values } = plain;
  const lookup: DigestLookup = {
    matches(path, digest) {
      // Keys are held as written: an escaped one is found by its escaped form.
      const entry = index.findLatin1(escapeUnicode(path));
      if (entry < 0) return false;
      if (digest.length !== 20)
        throw new RangeError(`a SHA-1 digest has 20 bytes, got ${digest.length}`);
      return hexEquals(data, values[entry] ?? 0, digest);
    },
  };
  return { lookup, exact: !index.hasDuplicates };
}

/** Whether the 40 hex digits (either case) at `start` of `data` spell `digest`. */
export function hexEquals(data: Uint8Array, start: number, digest: Uint8Array): boolean {
  for (let i = 0; i < 20; i++) {
    const byte = digest[i] ?? 0;
    if (HEX_VALUE[data[start + 2 * i] ?? 0] !== byte >> 4) return false;
    if (HEX_VALUE[data[start + 2 * i + 1] ?? 0] !== (byte & 15)) return false;
  }
  return true;
}

/** Read a `.svnlast` state file: the last dumped revision. Throws PickleError otherwise. */
export function decodeRevisionPickle(bytes: Uint8Array): bigint {
  const value = decodePickle(bytes);
  // Python's bool is an int, so Cedar would accept a pickled True as 1.
  if (typeof value === "boolean") return value ? 1n : 0n;
  if (typeof value !== "bigint") throw new PickleError("revision pickle is not an int", 0);
  return value;
}

function isGlobal(value: PickleValue, module: string, name: string): boolean {
  return (
    value !== null &&
    typeof value === "object" &&
    value.kind === "global" &&
    value.module === module &&
    value.name === name
  );
}

/** The 10-byte datetime state: Python 3's `_codecs.encode(str, "latin1")` or Python 2's `S`. */
function datetimeState(value: PickleValue): Uint8Array | undefined {
  if (value === null || typeof value !== "object") return undefined;
  if (value.kind === "bytes") return value.bytes;
  if (value.kind !== "reduce" || !isGlobal(value.callable, "_codecs", "encode")) return undefined;
  const [text, encoding] = value.args.items;
  if (typeof text !== "string" || encoding !== "latin1" || value.args.items.length !== 2) {
    return undefined;
  }
  const state = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) return undefined;
    state[i] = code;
  }
  return state;
}

/**
 * Read a `.mboxlast` state file: a pickled naive `datetime.datetime` (Python 3 layout, or
 * Python 2's `S` form). Throws PickleError for anything else, including a datetime with tzinfo.
 */
export function decodeDatetimePickle(bytes: Uint8Array): PickleDateTime {
  const value = decodePickle(bytes);
  if (
    value === null ||
    typeof value !== "object" ||
    value.kind !== "reduce" ||
    !isGlobal(value.callable, "datetime", "datetime") ||
    value.args.items.length !== 1
  ) {
    throw new PickleError("not a pickled naive datetime.datetime", 0);
  }
  const state = datetimeState(value.args.items[0] ?? null);
  if (state?.length !== 10) throw new PickleError("datetime state is not 10 bytes", 0);
  const byte = (i: number): number => state[i] ?? 0;
  const result: PickleDateTime = {
    year: byte(0) * 256 + byte(1),
    // Protocol 4+ marks fold=1 with the top bit of the month; fold does not matter here.
    month: byte(2) & 0x7f,
    day: byte(3),
    hour: byte(4),
    minute: byte(5),
    second: byte(6),
    microsecond: (byte(7) << 16) | (byte(8) << 8) | byte(9),
  };
  const problem = dateTimeProblem(result);
  if (problem !== undefined) throw new PickleError(`datetime: ${problem}`, 0);
  return result;
}
