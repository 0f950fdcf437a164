/**
 * The digest pass of an incremental collect item: walk the selection once, take each file's
 * SHA-1 from the stat cache or by reading it, compare it with the old digest, and produce the
 * new digest and stat cache. The old files are read front to back beside the walk
 * (domain/digest-cursor.ts, stat-cache-cursor.ts), so an unchanged tree costs one comparison
 * per file, holds neither file in memory and produces nothing new to write; and the changed
 * files and the new state stream out as they are found (to the archive and to sinks), so a
 * tree where everything changed holds neither either.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { readAll, type ByteSink, type ByteSource } from "../domain/byte-window.js";
import { CursorRestartError, DigestCursor } from "../domain/digest-cursor.js";
import { fsPathOf } from "../domain/fs-name.js";
import { indexDigestPickle, type IndexedDigest } from "../domain/pickle.js";
import { StatCacheCursor } from "../domain/stat-cache-cursor.js";
import { indexStatCache, type IndexedStatCache } from "../domain/stat-cache.js";
import { ActionError } from "../errors/cback-error.js";
import { sha1OfFile } from "../fs/file-digest.js";
import { entryStat, type SelectedEntry } from "../fs/select-files.js";

/** Where the state of an item is and how to treat it. */
export interface IncrementalState {
  /** The item's digest file (`<working_dir>/<name>.sha`). */
  readonly digestPath: string;
  /** Its stat cache, or undefined when the cache is off. */
  readonly cachePath: string | undefined;
  /** Start of week or `--full`: the old digest is not used (the cache still is). */
  readonly reset: boolean;
  /** Files with an mtime or ctime at or after this (ms since the epoch) are not cached. */
  readonly trustBefore: number;
  /** Whether the selection may name a path twice (only the first counts, as in Cedar). */
  readonly mayRepeat: boolean;
  /** Told when the old digest cannot be read (the item then starts from an empty one). */
  readonly onDigestError: (message: string) => void;
}

/** What the digest pass found. */
export interface IncrementalResult {
  /** Entries to archive, in selection order: changed or new files, and every link. */
  readonly changed: SelectedEntry[];
  /** Bytes of the new digest file, or undefined when they are exactly the old file's. */
  readonly digest: Buffer | undefined;
  /** Bytes of the new stat cache, or undefined when unchanged (or the cache is off). */
  readonly cache: Buffer | undefined;
}

/**
 * Run the digest pass over `entries()` (called again, for a second walk, in the rare case
 * where the old state turns out not to be readable in order), holding everything found.
 * @throws ActionError when a file cannot be read for its digest
 */
export function compareIncremental(
  entries: () => Iterable<SelectedEntry>,
  state: IncrementalState,
): IncrementalResult {
  const item = openIncremental(entries, state);
  try {
    for (let indexed = false; ; indexed = true) {
      const pass = item.pass(indexed);
      try {
        const changed = [...pass.changes];
        return { changed, digest: pass.digest, cache: pass.cache };
      } catch (error) {
        if (!pass.restarted || indexed) throw error;
      }
    }
  } finally {
    item.close();
  }
}

/** Where the new state goes as it is found (streaming), instead of into memory. */
export interface StateSinks {
  /** Opens the new digest file: called when it is known to differ from the old one. */
  readonly openDigest: () => ByteSink;
  /** Opens the new stat cache, likewise. */
  readonly openCache: () => ByteSink;
  /** Drops whatever the opens of a pass gave (the pass restarted and is run again). */
  readonly discard: () => void;
}

/** One digest pass; {@link IncrementalPass.changes} may be iterated once. */
export interface IncrementalPass {
  /**
   * Entries to archive as they are found, in selection order: changed or new files, and
   * every link. When it ends, the new state is complete: {@link IncrementalPass.digest} and
   * {@link IncrementalPass.cache} are set.
   * @throws ActionError when a file cannot be read for its digest
   * @throws CursorRestartError when answers given may have been wrong: then
   * {@link IncrementalPass.restarted} is set, the sinks were discarded, and everything taken
   * from this pass must be dropped for a pass with `indexed` true.
   */
  readonly changes: Iterable<SelectedEntry>;
  readonly restarted: boolean;
  /** New digest bytes (empty when they went to a sink), or undefined when unchanged. */
  readonly digest: Buffer | undefined;
  /** New stat cache bytes (empty when they went to a sink), or undefined when unchanged. */
  readonly cache: Buffer | undefined;
}

/** An item's old state, open for digest passes. */
export interface IncrementalItem {
  /** A pass reading the old state in order, or (`indexed`, after a restart) indexed whole. */
  pass(indexed: boolean): IncrementalPass;
  /** Closes the old state files. */
  close(): void;
}

/**
 * Open the old state of an item for digest passes over `entries()`; with `sinks`, the new
 * state streams to them (memory stays that of the buffers) instead of being held.
 */
export function openIncremental(
  entries: () => Iterable<SelectedEntry>,
  state: IncrementalState,
  sinks?: StateSinks,
): IncrementalItem {
  const digestFile = state.reset ? undefined : openState(state.digestPath, state.onDigestError);
  const cacheFile = state.cachePath === undefined ? undefined : openState(state.cachePath);
  const indexDigest = once((): IndexedDigest => {
    try {
      return indexDigestPickle(readAll(requireSource(digestFile)));
    } catch (error) {
      state.onDigestError(
        `Failed to read digest [${state.digestPath}], starting a full digest: ${(error as Error).message}`,
      );
      return { lookup: { matches: () => false }, exact: false };
    }
  });
  const indexCache = once((): IndexedStatCache | undefined => {
    try {
      return indexStatCache(readAll(requireSource(cacheFile)));
    } catch {
      return undefined; // corrupt: hash again
    }
  });
  return {
    pass: (indexed) => {
      const outcome: Outcome = { restarted: false, digest: undefined, cache: undefined };
      const changes = once(() => {
        const digest = new DigestCursor({
          ...(digestFile === undefined ? {} : { source: digestFile }),
          index: indexDigest,
          indexed,
          expectedBytes: digestFile?.size ?? 0,
          ...(sinks === undefined ? {} : { openSink: sinks.openDigest }),
        });
        const cache =
          state.cachePath === undefined
            ? undefined
            : new StatCacheCursor({
                ...(cacheFile === undefined ? {} : { source: cacheFile }),
                index: indexCache,
                indexed,
                expectedBytes: cacheFile?.size ?? 0,
                ...(sinks === undefined ? {} : { openSink: sinks.openCache }),
              });
        return guarded(digestPass(entries(), digest, cache, state, outcome), outcome, sinks);
      });
      return {
        changes: { [Symbol.iterator]: () => changes() },
        get restarted() {
          return outcome.restarted;
        },
        get digest() {
          return outcome.digest;
        },
        get cache() {
          return outcome.cache;
        },
      };
    },
    close: () => {
      if (digestFile !== undefined) closeSync(digestFile.fd);
      if (cacheFile !== undefined) closeSync(cacheFile.fd);
    },
  };
}

interface Outcome {
  restarted: boolean;
  digest: Buffer | undefined;
  cache: Buffer | undefined;
}

/** `pass`, noting a restart in `outcome` and discarding what the sinks got. */
function* guarded(
  pass: Generator<SelectedEntry, void, undefined>,
  outcome: Outcome,
  sinks: StateSinks | undefined,
): Generator<SelectedEntry, void, undefined> {
  try {
    yield* pass;
  } catch (error) {
    if (error instanceof CursorRestartError) {
      outcome.restarted = true;
      sinks?.discard();
    }
    throw error;
  }
}

function* digestPass(
  entries: Iterable<SelectedEntry>,
  digests: DigestCursor,
  cache: StatCacheCursor | undefined,
  state: IncrementalState,
  outcome: Outcome,
): Generator<SelectedEntry, void, undefined> {
  // Cedar's removeUnchanged keys its list by path: a path selected twice counts once.
  const seen = state.mayRepeat ? new Set<string>() : undefined;
  const { trustBefore } = state;
  for (const entry of entries) {
    if (seen !== undefined) {
      if (seen.has(entry.path)) continue;
      seen.add(entry.path);
    }
    if (entry.kind === "link") {
      yield entry; // never digested: always included
      continue;
    }
    const { path } = entry;
    const stat = entryStat(entry); // taken by the walk (incremental walks stat every file)
    // Node's number stats carry times as float milliseconds; rounding them to nanoseconds
    // is deterministic for an unchanged file, which is all the comparison needs (a change
    // also moves ctime, and recent files are never cached).
    const mtimeNs = Math.round(stat.mtimeMs * 1e6);
    const ctimeNs = Math.round(stat.ctimeMs * 1e6);
    let digest = cache?.lookupNumbers(path, stat.dev, stat.ino, stat.size, mtimeNs, ctimeNs);
    if (digest === undefined) {
      try {
        digest = sha1OfFile(fsPathOf(path));
      } catch (error) {
        throw new ActionError(
          "collect",
          `cannot read [${path}] to compute its digest: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    const trusted = stat.mtimeMs < trustBefore && stat.ctimeMs < trustBefore;
    cache?.record(path, stat.dev, stat.ino, stat.size, mtimeNs, ctimeNs, digest, trusted);
    if (!digests.add(path, digest)) yield entry;
  }
  outcome.digest = digests.finish();
  outcome.cache = cache?.finish();
}

interface StateFile extends ByteSource {
  readonly fd: number;
}

/** The file at `path` opened for reading, or undefined when it does not exist or fails. */
function openState(path: string, onError?: (message: string) => void): StateFile | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      onError?.(
        `Failed to read digest [${path}], starting a full digest: ${(error as Error).message}`,
      );
    }
    return undefined;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new Error("not a regular file");
    const { size } = stats;
    return {
      fd,
      size,
      read: (target, offset, length, position) => readSync(fd, target, offset, length, position),
    };
  } catch (error) {
    closeSync(fd);
    onError?.(
      `Failed to read digest [${path}], starting a full digest: ${(error as Error).message}`,
    );
    return undefined;
  }
}

function requireSource(file: StateFile | undefined): StateFile {
  if (file === undefined) throw new Error("no such file");
  return file;
}

/** `make`, called at most once. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}
