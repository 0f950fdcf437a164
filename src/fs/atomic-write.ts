/**
 * fs/ holds the filesystem primitives actions share (atomic writes, the run lock, process
 * probes). It does IO but starts no processes: that is exec/'s job.
 */
import { randomBytes } from "node:crypto";
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
