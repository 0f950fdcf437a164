/**
 * fs/ holds the filesystem primitives actions share (atomic writes, the run lock, process
 * probes). It does IO but starts no processes: that is exec/'s job.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  openSync,
  readSync,
  readdirSync,
  rmSync,
  writeSync,
} from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Permission bits of the new file, applied exactly (the umask does not narrow them). */
  readonly mode?: number;
}

/**
 * Replace `path` with `data` so that readers see either the old content or the new one,
 * never a mix, even after a crash: write a temporary file in the same directory, fsync it,
 * rename it over `path`, then fsync the directory. Without `mode` the file gets the
 * default `0o666` narrowed by the umask. On failure the temporary file is removed and
 * `path` is left as it was.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const file = await open(temporary, "wx", options.mode ?? 0o666);
  let closed = false;
  try {
    if (options.mode !== undefined) await file.chmod(options.mode);
    await file.writeFile(data);
    await file.sync();
    await file.close();
    closed = true;
    await rename(temporary, path);
  } catch (error) {
    if (!closed) await file.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(directory);
}

/**
 * fsync a directory so that a rename or link inside it survives a crash. File systems that
 * cannot sync a directory (EINVAL and friends) are accepted as they are.
 */
export async function syncDirectory(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, "r");
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "ENOTSUP" && code !== "EISDIR" && code !== "EPERM") {
      throw error;
    }
  } finally {
    await handle?.close();
  }
}

/**
 * A file written progressively under a temporary name beside `path` and put in its place
 * only by {@link StreamingReplacement.commit}: until then `path` keeps its old content, even
 * after a crash (a leftover temporary file is removed by {@link removeStaleTemporaries}).
 * Writes are synchronous. A failure to open or write is kept, not thrown: later writes do
 * nothing, reads give zeros, and `commit` throws it, so that the caller can go on without
 * the file (as a failed {@link writeFileAtomic} after the fact would let it).
 */
export class StreamingReplacement {
  readonly path: string;
  readonly #temporary: string;
  #fd = -1;
  #size = 0;
  #failure: Error | undefined;

  constructor(path: string, options: AtomicWriteOptions = {}) {
    this.path = path;
    this.#temporary = join(
      dirname(path),
      `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`,
    );
    try {
      this.#fd = openSync(this.#temporary, "wx+", options.mode ?? 0o666);
      if (options.mode !== undefined) fchmodSync(this.#fd, options.mode);
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Append `bytes`. */
  append(bytes: Uint8Array): void {
    this.writeAt(bytes, this.#size);
  }

  /** Write `bytes` at `position` (at most the current size). */
  writeAt(bytes: Uint8Array, position: number): void {
    this.#size = Math.max(this.#size, position + bytes.length);
    if (this.#failure !== undefined) return;
    try {
      let done = 0;
      while (done < bytes.length) {
        done += writeSync(this.#fd, bytes, done, bytes.length - done, position + done);
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Read back what was written, as `readSync`. */
  read(target: Uint8Array, offset: number, length: number, position: number): number {
    const count = Math.max(0, Math.min(length, this.#size - position));
    if (this.#failure !== undefined) {
      target.fill(0, offset, offset + count);
      return count;
    }
    try {
      let done = 0;
      while (done < count) {
        const n = readSync(this.#fd, target, offset + done, count - done, position + done);
        if (n <= 0) throw new Error(`temporary file ended at ${position + done}`);
        done += n;
      }
    } catch (error) {
      this.#fail(error);
      target.fill(0, offset, offset + count);
    }
    return count;
  }

  /**
   * Put the file in place: fsync it and rename it over `path`, then fsync the directory.
   * When `path` already holds exactly these bytes it is left alone (and the temporary file
   * removed): an unchanged file keeps its times.
   * @returns whether `path` was replaced
   * @throws the first failure of opening or writing, or of the commit itself (the
   * temporary file is then removed and `path` left as it was)
   */
  async commit(): Promise<boolean> {
    try {
      if (this.#failure !== undefined) throw this.#failure;
      fsyncSync(this.#fd);
      const same = sameContent(this.#fd, this.#size, this.path);
      this.#close();
      if (same) {
        await rm(this.#temporary, { force: true });
        return false;
      }
      await rename(this.#temporary, this.path);
    } catch (error) {
      this.discard();
      throw error;
    }
    await syncDirectory(dirname(this.path));
    return true;
  }

  /** Drop the temporary file; `path` is left as it was. */
  discard(): void {
    this.#close();
    rmSync(this.#temporary, { force: true });
  }

  #close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    try {
      closeSync(fd);
    } catch {
      // closing a descriptor we own fails only if it is already gone
    }
  }

  #fail(error: unknown): void {
    this.#failure ??= error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * Remove the temporary files that writes of `path` ({@link writeFileAtomic},
 * {@link StreamingReplacement}) killed before their rename left beside it. Only exact
 * matches are touched; failures are ignored (the next write simply uses another name).
 */
export function removeStaleTemporaries(path: string): string[] {
  const directory = dirname(path);
  const prefix = `.${basename(path)}.`;
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(directory);
  } catch {
    return removed;
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix) || !/^[0-9a-f]{12}\.tmp$/.test(entry.slice(prefix.length))) {
      continue;
    }
    try {
      rmSync(join(directory, entry), { force: true });
      removed.push(join(directory, entry));
    } catch {
      // left for the next run
    }
  }
  return removed;
}

const COMPARE_PIECE = 256 * 1024;

/** Whether the file at `path` holds exactly the `size` bytes of the open file `fd`. */
function sameContent(fd: number, size: number, path: string): boolean {
  let other: number;
  try {
    other = openSync(path, "r");
  } catch {
    return false;
  }
  try {
    if (fstatSync(other).size !== size) return false;
    const mine = Buffer.allocUnsafe(Math.max(1, Math.min(COMPARE_PIECE, size)));
    const theirs = Buffer.allocUnsafe(mine.length);
    let offset = 0;
    while (offset < size) {
      const want = Math.min(mine.length, size - offset);
      const a = readSync(fd, mine, 0, want, offset);
      const b = readSync(other, theirs, 0, want, offset);
      if (a !== want || b !== want || mine.compare(theirs, 0, want, 0, want) !== 0) return false;
      offset += want;
    }
    // Nothing beyond the expected end either (the file may have grown meanwhile).
    return readSync(other, theirs, 0, 1, offset) === 0;
  } catch {
    return false;
  } finally {
    closeSync(other);
  }
}
