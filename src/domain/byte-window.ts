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

/**
 * Where a streaming writer puts its bytes (pickle.ts, stat-cache.ts): the IO is the caller's,
 * so a writer holds one small buffer instead of the whole file.
 */
export interface ByteSink {
  /** Append all of `bytes` (which the writer may reuse once this returns). */
  append(bytes: Uint8Array): void;
  /** Overwrite bytes already appended, from `position` (the stat cache's header). */
  writeAt(bytes: Uint8Array, position: number): void;
  /** Read back bytes already appended, as {@link ByteSource.read} (the stat cache's checksum). */
  read(target: Uint8Array, offset: number, length: number, position: number): number;
}

/** A {@link ByteSink} in memory, for tests: `bytes()` is what it holds. */
export function memorySink(): ByteSink & { bytes(): Buffer } {
  let out = Buffer.alloc(1024);
  let length = 0;
  const reserve = (end: number): void => {
    if (end <= out.length) return;
    const grown = Buffer.alloc(Math.max(end, 2 * out.length));
    out.copy(grown, 0, 0, length);
    out = grown;
  };
  return {
    append(bytes) {
      reserve(length + bytes.length);
      out.set(bytes, length);
      length += bytes.length;
    },
    writeAt(bytes, position) {
      if (position + bytes.length > length) throw new RangeError("writeAt past the end");
      out.set(bytes, position);
    },
    read(target, offset, count, position) {
      const n = Math.max(0, Math.min(count, length - position));
      out.copy(target, offset, position, position + n);
      return n;
    },
    bytes: () => Buffer.from(out.subarray(0, length)),
  };
}

/** Give `update` the bytes `[0, end)` already in `sink`, read back a piece at a time. */
export function readBack(
  sink: Pick<ByteSink, "read">,
  end: number,
  update: (bytes: Uint8Array) => void,
  pieceSize = DEFAULT_WINDOW,
): void {
  const piece = Buffer.allocUnsafe(Math.max(1, Math.min(pieceSize, end)));
  let position = 0;
  while (position < end) {
    const count = sink.read(piece, 0, Math.min(piece.length, end - position), position);
    if (count <= 0) throw new RangeError(`sink ended at ${position} of ${end} bytes`);
    update(piece.subarray(0, count));
    position += count;
  }
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

  /**
   * The file's bytes `[from, to)` given to `sink` a window's worth at a time (the window
   * itself is left where it was).
   */
  copyTo(from: number, to: number, sink: Pick<ByteSink, "append">): void {
    const piece = Buffer.allocUnsafe(Math.max(1, Math.min(this.#data.length, to - from)));
    let position = from;
    while (position < to) {
      const count = this.#source.read(piece, 0, Math.min(piece.length, to - position), position);
      if (count <= 0) throw new RangeError(`file ended at ${position}`);
      sink.append(piece.subarray(0, count));
      position += count;
    }
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
