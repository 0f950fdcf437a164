/**
 * File names as Cedar (Python 3) sees them: bytes decoded as UTF-8 with `surrogateescape`,
 * so a byte that is not part of valid UTF-8 becomes the lone surrogate U+DC80 + byte. Such a
 * string round-trips to the same bytes, matches patterns as Python's would, and is what
 * Cedar writes into digest (`.sha`) files. Node's own decoding would replace those bytes
 * with U+FFFD and lose the file.
 */

const decoder = new TextDecoder("utf-8", { fatal: true });

function isContinuation(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] ?? 0;
  if (b0 < 0x80) return 1;
  const b1 = bytes[i + 1];
  if (b0 >= 0xc2 && b0 <= 0xdf) return isContinuation(b1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    if (b1 === undefined || !isContinuation(b1)) return 0;
    if (b0 === 0xe0 && b1 < 0xa0) return 0; // overlong
    if (b0 === 0xed && b1 >= 0xa0) return 0; // UTF-16 surrogates are not valid UTF-8
    return isContinuation(bytes[i + 2]) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (b1 === undefined || !isContinuation(b1)) return 0;
    if (b0 === 0xf0 && b1 < 0x90) return 0;
    if (b0 === 0xf4 && b1 >= 0x90) return 0;
    return isContinuation(bytes[i + 2]) && isContinuation(bytes[i + 3]) ? 4 : 0;
  }
  return 0;
}

/** Python's `os.fsdecode` on POSIX with a UTF-8 locale. */
export function decodeFsName(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    // Not valid UTF-8: decode piece by piece, escaping each undecodable byte.
  }
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length === 0) {
      out += String.fromCharCode(0xdc00 + (bytes[i] ?? 0));
      i += 1;
    } else {
      out += decoder.decode(bytes.subarray(i, i + length));
      i += length;
    }
  }
  return out;
}

/** Python's `os.fsencode`: the inverse of {@link decodeFsName}. */
export function encodeFsName(name: string): Buffer {
  // Fast path: no lone surrogates means plain UTF-8.
  if (!/[\ud800-\udfff]/.test(name)) return Buffer.from(name, "utf8");
  const parts: Buffer[] = [];
  let run = "";
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = name.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        run += name.slice(i, i + 2);
        i += 1;
        continue;
      }
    }
    if (code >= 0xdc80 && code <= 0xdcff) {
      parts.push(Buffer.from(run, "utf8"), Buffer.of(code - 0xdc00));
      run = "";
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      throw new RangeError(`name has a surrogate that stands for no byte: \\u${code.toString(16)}`);
    }
    run += name.charAt(i);
  }
  parts.push(Buffer.from(run, "utf8"));
  return Buffer.concat(parts);
}

const SURROGATE = /[\ud800-\udfff]/;

/**
 * What to hand to `fs` for the file name `name`: the string itself when its UTF-8 is
 * {@link encodeFsName}'s bytes (no surrogates), which spares making a Buffer, else the bytes.
 */
export function fsPathOf(name: string): string | Buffer {
  return SURROGATE.test(name) ? encodeFsName(name) : name;
}
