/**
 * archive/ writes the tarfiles collect produces, byte for byte as Python's `tarfile` does in
 * GNU format (cedar-core.md §3.1), plain or compressed. It takes plain member lists, starts
 * processes only through the ToolRunner and knows nothing of Config or actions.
 */
import { randomBytes } from "node:crypto";
import { chmod, open, readdir, rename, rm, stat, type FileHandle } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { CbackError, InterruptedError } from "../errors/cback-error.js";
import { ExitCode } from "../errors/exit-codes.js";
import type { ToolRunner } from "../exec/tool-runner.js";
import { syncDirectory } from "../fs/atomic-write.js";
import type { Logger } from "../log/logger.js";
import { compressorFor, findParallelBzip2, type ArchiveMode } from "./compressor.js";
import type { OwnerNames } from "./owner-names.js";
import { gzipParallel, type ParallelGzipOptions } from "./parallel-gzip.js";
import { tarChunks, type ArchiveMember, type TarSummary } from "./tar-writer.js";

/** What {@link writeArchive} needs and whom it tells. */
export interface WriteArchiveDeps {
  /** Runs the bzip2 compressor (tarbz2 only). */
  readonly runner: ToolRunner;
  readonly logger: Logger;
  /** Stops the archive; the call rejects with InterruptedError and leaves no file behind. */
  readonly signal?: AbortSignal;
  /** After each member: members added so far and uncompressed tar bytes produced so far. */
  readonly onProgress?: (files: number, bytes: number) => void;
  /** A member left out (Cedar: "Unable to add file [...]; going on anyway."). Logged at INFO when absent. */
  readonly onSkip?: (path: string, reason: string) => void;
  /** A file whose size changed while it was read (stored consistently). Logged at WARN when absent. */
  readonly onChanged?: (path: string, reason: string) => void;
  /** `PATH` used to look for lbzip2/pbzip2; default {@link DEFAULT_SEARCH_PATH}. */
  readonly searchPath?: string;
  /** Source of the gzip header's timestamp (Python's GzipFile writes the time); 0 when absent. */
  readonly clock?: { now(): Date };
  /** Shared owner-name cache; each call reads the account files once by default. */
  readonly ownerNames?: OwnerNames;
  /** Permission bits of the archive, applied exactly (default 0o600, as the runner's pipeline). */
  readonly fileMode?: number;
  /** Tuning of the parallel gzip (level, block size, concurrency). */
  readonly gzip?: Pick<ParallelGzipOptions, "level" | "blockSize" | "concurrency">;
}

/** What {@link writeArchive} wrote. */
export interface ArchiveResult {
  /** Members stored (skipped ones not counted). */
  readonly members: number;
  /** Members left out through `onSkip`. */
  readonly skipped: number;
  /** Size of the archive file written. */
  readonly bytes: number;
  /** Size of the uncompressed tar stream. */
  readonly tarBytes: number;
}

/** Writing the archive file itself failed (exit 6); `cause` holds the system error. */
export class ArchiveWriteError extends CbackError {
  readonly exitCode = ExitCode.ActionFailed;
}

const DEFAULT_FILE_MODE = 0o600;

/**
 * Write `members` (in order) as a Cedar tarfile at `target`: plain, gzip (parallel, level 6)
 * or bzip2 (lbzip2/pbzip2 when installed, else bzip2; level 9). The tar stream goes straight
 * into the compressor: nothing is staged on disk. The archive is built under a temporary
 * dot-name in the target's directory, fsynced and renamed over `target`, so `target` is
 * either the old file or the complete new one, even after kill -9; on any failure the
 * temporary file is removed. Leftover temporary files of earlier crashed runs for the same
 * target are removed first.
 *
 * Members that cannot be read are skipped (`onSkip`), as Cedar does; failures of the output
 * or of the compressor are fatal.
 * @throws InterruptedError when `signal` aborts
 * @throws ExternalCommandError when the bzip2 compressor fails
 * @throws ArchiveWriteError when the archive file cannot be written
 */
export async function writeArchive(
  target: string,
  mode: ArchiveMode,
  members: Iterable<ArchiveMember>,
  deps: WriteArchiveDeps,
): Promise<ArchiveResult> {
  const { logger, signal } = deps;
  if (isAborted(signal)) throw interruptedWriting(target);
  const directory = dirname(resolve(target));
  await removeLeftovers(directory, basename(target), logger);

  let summary: TarSummary | undefined;
  const chunks = (): Generator<Uint8Array, void> =>
    (function* () {
      summary = yield* tarChunks(members, {
        archivePath: target,
        onSkip:
          deps.onSkip ??
          ((path) => {
            logger.info(`Unable to add file [${path}]; going on anyway.`);
          }),
        onChanged:
          deps.onChanged ??
          ((path, reason) => {
            logger.warn(`File [${path}] changed while being archived: ${reason}.`);
          }),
        ...(deps.onProgress === undefined ? {} : { onMember: deps.onProgress }),
        ...(signal === undefined ? {} : { signal }),
        ...(deps.ownerNames === undefined ? {} : { ownerNames: deps.ownerNames }),
      });
    })();

  const compression = compressorFor(
    mode,
    mode === "tarbz2" ? await findParallelBzip2(deps.runner, deps.searchPath) : undefined,
  );
  const fileMode = deps.fileMode ?? DEFAULT_FILE_MODE;
  logger.debug(`Writing ${mode} archive [${target}].`);
  try {
    if (compression.kind === "program") {
      await deps.runner.pipeline([compression.invocation], target, {
        ...(signal === undefined ? {} : { signal }),
        input: toAsync(chunks()),
      });
      if (fileMode !== DEFAULT_FILE_MODE) await chmod(target, fileMode);
    } else {
      await writeThroughTemporary(target, directory, fileMode, async (file) => {
        const write = (chunk: Uint8Array): Promise<void> => writeAll(file, chunk);
        if (compression.kind === "none") {
          for (const chunk of chunks()) {
            if (isAborted(signal)) throw interruptedWriting(target);
            await write(chunk);
          }
        } else {
          await gzipParallel(chunks(), write, {
            ...deps.gzip,
            level: deps.gzip?.level ?? compression.level,
            fileName: basename(target).replace(/\.gz$/, ""),
            mtime: deps.clock === undefined ? 0 : Math.trunc(deps.clock.now().getTime() / 1000),
            ...(signal === undefined ? {} : { signal }),
          });
        }
      });
    }
  } catch (error) {
    if (isAborted(signal)) throw interruptedWriting(target, error);
    if (error instanceof CbackError) throw error;
    throw new ArchiveWriteError(`cannot write archive [${target}]: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const written: TarSummary = summary ?? { members: 0, skipped: 0, bytes: 0 };
  const { size } = await stat(target);
  return {
    members: written.members,
    skipped: written.skipped,
    bytes: size,
    tarBytes: written.bytes,
  };
}

/** Run `fill` on a fresh temporary file, then fsync it and rename it over `target`. */
async function writeThroughTemporary(
  target: string,
  directory: string,
  fileMode: number,
  fill: (file: FileHandle) => Promise<void>,
): Promise<void> {
  const temporary = join(
    directory,
    `.${basename(target)}.partial-${randomBytes(6).toString("hex")}`,
  );
  const file = await open(temporary, "wx", fileMode);
  let closed = false;
  try {
    await file.chmod(fileMode);
    await fill(file);
    await file.sync();
    await file.close();
    closed = true;
    await rename(temporary, target);
  } catch (error) {
    if (!closed) await file.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(directory);
}

async function writeAll(file: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await file.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

/** A sync iterator seen as an async one, pulled (and closed) strictly on demand. */
function toAsync<T>(iterator: Iterator<T, void>): AsyncIterable<T> {
  const done: IteratorResult<T, void> = { done: true, value: undefined };
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.resolve(iterator.next()),
      return: () => Promise.resolve(iterator.return?.() ?? done),
    }),
  };
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function interruptedWriting(target: string, cause?: unknown): InterruptedError {
  return new InterruptedError(
    `writing archive [${target}] was interrupted`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Remove temporary files that a killed earlier run left for this target: ours
 * (`.<name>.partial-<hex>`) and the runner's pipeline output (`.<name>.<hex>.tmp`). Only
 * exact matches are touched; a failure to list or remove is logged, not fatal.
 */
async function removeLeftovers(directory: string, name: string, logger: Logger): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(directory);
  } catch {
    return; // the open of the temporary file will report a missing directory
  }
  const prefix = `.${name}.`;
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const rest = entry.slice(prefix.length);
    if (!/^partial-[0-9a-f]{12}$/.test(rest) && !/^[0-9a-f]{12}\.tmp$/.test(rest)) continue;
    try {
      await rm(join(directory, entry), { force: true });
      logger.info(`Removed [${join(directory, entry)}], left over by an interrupted run.`);
    } catch (error) {
      logger.warn(
        `Cannot remove leftover [${join(directory, entry)}]: ${(error as Error).message}`,
      );
    }
  }
}
