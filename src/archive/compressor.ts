import type { Invocation, ToolRunner } from "../exec/tool-runner.js";
import { resolveProgram } from "../fs/access-checks.js";
import { DEFAULT_GZIP_LEVEL } from "./parallel-gzip.js";

/** Cedar's archive modes: plain tar, gzip or bzip2 (`<archive_mode>`). */
export type ArchiveMode = "tar" | "targz" | "tarbz2";

/** How the tar stream of one archive mode is compressed. */
export type Compression =
  | { readonly kind: "none" }
  /** In-process parallel gzip (parallel-gzip.ts). */
  | { readonly kind: "gzip"; readonly level: number }
  /** An external compressor reading the tar on stdin and writing to stdout. */
  | { readonly kind: "program"; readonly invocation: Invocation };

/** Parallel bzip2 programs, preferred in this order over plain `bzip2` when installed. */
export const PARALLEL_BZIP2 = ["lbzip2", "pbzip2"] as const;

/** Directories searched when the caller gives no PATH: what cron gives a root job, and more. */
export const DEFAULT_SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The compression of `mode`. bzip2 output is level 9 (Cedar's tarfile default, and the
 * format's default block size) from the first parallel implementation in `found` (program
 * name to executable path), else from `bzip2`: all three write standard bzip2 streams.
 */
export function compressorFor(
  mode: ArchiveMode,
  found: ReadonlyMap<string, string> = new Map(),
): Compression {
  switch (mode) {
    case "tar":
      return { kind: "none" };
    case "targz":
      return { kind: "gzip", level: DEFAULT_GZIP_LEVEL };
    case "tarbz2": {
      const parallel = PARALLEL_BZIP2.map((name) => found.get(name)).find((path) => !!path);
      return { kind: "program", invocation: { program: parallel ?? "bzip2", args: ["-c", "-9"] } };
    }
  }
}

/**
 * Which parallel bzip2 programs can run: each name goes through the runner's `<override>`
 * resolution, then is looked up as a path or along `searchPath`, and must be an executable
 * file.
 * @returns program name to the executable path, for {@link compressorFor}
 */
export async function findParallelBzip2(
  runner: ToolRunner,
  searchPath: string = DEFAULT_SEARCH_PATH,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const name of PARALLEL_BZIP2) {
    const path = await resolveProgram(name, new Map([[name, runner.resolve(name)]]), searchPath);
    if (path !== undefined) found.set(name, path);
  }
  return found;
}
