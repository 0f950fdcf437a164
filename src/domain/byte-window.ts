/**
 * Sequential reading of a large file through one small buffer, for the state cursors
 * (digest-cursor.ts, stat-cache-cursor.ts): an incremental collect reads its old digest and
 * stat cache front to back while it walks the tree, so a window of a megabyte stands in for
 * files of tens of megabytes. The IO itself is the caller's, behind {@link ByteSource}.
 */

/** Reads of a file of known size (the caller owns and closes the descriptor). */
export interface ByteSource {
  /** Size of the file in bytes. */
  readonly size: number;
  /**
   * Copy up to `length` bytes from `position` of the file into `target` at `offset`.
   * @returns the number of bytes copied: fewer only at the end of the file
   * @throws whatever the underlying read throws
   */
  read(target: Uint8Array, offset: number, length: number, position: number): number;
}

/** A ByteSource over bytes already in memory. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read(target, offset, length, position) {
      const count = Math.max(0, Math.min(length, bytes.length - position));
      target.set(bytes.subarray(position, position + count), offset);
      return count;
    },
  };
}

/** Every byte of `source`, from the start. Throws when the file ends early. */
export function readAll(source: ByteSource): Buffer {
  const bytes = Buffer.allocUnsafe(source.size);
  let done = 0;
  while (done < bytes.length) {
    const count = source.read(bytes, done, bytes.length - done, done);
    if (count <= 0) throw new RangeError(`file ended after ${done} of ${source.size} bytes`);
    done += count;
  }
  return bytes;
}

const DEFAULT_WINDOW = 256 * 1024;

/**
 * A window onto a {@link ByteSource}: {@link ByteWindow.has} brings a range into
 * {@link ByteWindow.data}, where file offset `p` is at index `p - ByteWindow.start`.
 */
export class ByteWindow {
  readonly #source: ByteSource;
  #data: Buffer;
  #start = 0;
  #end = 0;

  constructor(source: ByteSource, windowSize = DEFAULT_WINDOW) {
    this.#source = source;
    this.#data = Buffer.allocUnsafe(Math.max(1, windowSize));
  }

  /** The file's size. */
  get size(): number {
    return this.#source.size;
  }

  /** The window's bytes; valid until the next {@link ByteWindow.has} that moves it. */
  get data(): Buffer {
    return this.#data;
  }

  /** File offset of `data[0]`. */
  get start(): number {
    return this.#start;
  }

  /** File offset just past the last byte `data` holds. */
  get end(): number {
    return this.#end;
  }

  /**
   * Make the bytes `[position, position + length)` of the file available in `data`
   * (moving or growing the window when needed). False when the file is shorter.
   * @throws whatever the source's read throws, or RangeError when the file shrank
   */
  has(position: number, length: number): boolean {
    if (position >= this.#start && position + length <= this.#end) return true;
    if (position < 0 || position + length > this.#source.size) return false;
    if (length > this.#data.length) this.#data = Buffer.allocUnsafe(length);
    const want = Math.min(this.#data.length, this.#source.size - position);
    let filled = 0;
    while (filled < want) {
      const count = this.#source.read(this.#data, filled, want - filled, position + filled);
      if (count <= 0) break;
      filled += count;
    }
    this.#start = position;
    this.#end = position + filled;
    if (filled < length) throw new RangeError(`file ended at ${position + filled}`);
    return true;
  }

  /** A copy of the file's bytes `[from, to)`. */
  copy(from: number, to: number): Buffer {
    const out = Buffer.allocUnsafe(to - from);
    let done = 0;
    while (done < out.length) {
      const count = this.#source.read(out, done, out.length - done, from + done);
      if (count <= 0) throw new RangeError(`file ended at ${from + done}`);
      done += count;
    }
    return out;
  }
}
