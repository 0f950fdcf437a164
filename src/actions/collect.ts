/**
 * The `collect` action (cedar-core.md §3.1-§3.2): archive every configured file and
 * directory into `<collect_dir>` as Cedar names and formats them, keep the incremental
 * digests in `<working_dir>/<name>.sha` in Cedar's pickle format, and finish with the
 * `cback.collect` indicator. Beyond Cedar: archives and state are written under temporary
 * names and renamed when complete, and a stat cache spares re-reading unchanged files.
 */
import { chownSync, closeSync, existsSync, openSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { writeArchive } from "../archive/write-archive.js";
import {
  dirExclusions,
  effectiveArchiveMode,
  effectiveCollectMode,
  effectiveDereference,
  effectiveIgnoreFile,
  effectiveLinkDepth,
  effectiveRecursionLevel,
} from "../config/normalize.js";
import type { ArchiveMode, CollectConfig, CollectMode, OptionsConfig } from "../config/types.js";
import {
  collectTargets,
  digestFileName,
  isStartOfWeek,
  shouldCollect,
  tarfileName,
} from "../domain/collect-plan.js";
import { COLLECT_INDICATOR } from "../domain/stage-plan.js";
import { compilePythonPattern } from "../domain/python-regex.js";
import { ActionError } from "../errors/cback-error.js";
import { removeStaleTemporaries, StreamingReplacement } from "../fs/atomic-write.js";
import { plainFileMode } from "../fs/creation-mode.js";
import {
  iterateDirContents,
  listSubdirectories,
  selectFile,
  type SelectedEntry,
} from "../fs/select-files.js";
import { lookupOwnerIds } from "../log/account-names.js";
import type { ActionContext, ActionHandler } from "./action-context.js";
import { openIncremental, type IncrementalItem, type StateSinks } from "./collect-incremental.js";

/** A stat cache entry is trusted only for files unchanged for this long before the run. */
const RACY_WINDOW_MS = 2_000;

interface CollectRun {
  readonly ctx: ActionContext;
  readonly collect: CollectConfig & { readonly targetDir: string };
  readonly options: OptionsConfig & { readonly workingDir: string };
  readonly full: boolean;
  readonly resetDigest: boolean;
  readonly startedAt: Date;
  readonly owner: { uid: number; gid: number } | undefined;
  /** Mode of new archives: what Python's open() gives, 0o666 less the umask. */
  readonly fileMode: number;
}

/** One thing to archive: a `<file>`, a `<dir>`, or a subdirectory carved out by recursion. */
interface CollectItem {
  readonly path: string;
  readonly collectMode: CollectMode;
  readonly archiveMode: ArchiveMode;
  /** The selection, found lazily as it is consumed; may be called again for a second walk. */
  readonly entries: () => Iterable<SelectedEntry>;
  /**
   * Whether a path may be selected twice: only when links are dereferenced (a target inside
   * the tree is also reached by the walk); other walks reach every path by one route only.
   */
  readonly mayRepeat: boolean;
}

/** The collect action. */
export const collectAction: ActionHandler = async (ctx) => {
  const { collect, options } = ctx.config;
  if (collect?.targetDir === undefined || options?.workingDir === undefined) {
    throw new ActionError(
      "collect",
      "the <options> and <collect> sections must be filled in to collect",
    );
  }
  if ((collect.collectFiles ?? []).length === 0 && (collect.collectDirs ?? []).length === 0) {
    throw new ActionError(
      "collect",
      "there must be at least one collect file or collect directory",
    );
  }
  if (!isDirectory(collect.targetDir)) {
    throw new ActionError(
      "collect",
      `collect directory "${collect.targetDir}" does not exist or is not a directory: create it (collect does not)`,
    );
  }
  const startedAt = ctx.clock.now();
  const startOfWeek = isStartOfWeek(startedAt, options.startingDay ?? "monday");
  const run: CollectRun = {
    ctx,
    collect: { ...collect, targetDir: collect.targetDir },
    options: { ...options, workingDir: options.workingDir },
    full: ctx.flags.full,
    resetDigest: ctx.flags.full || startOfWeek,
    startedAt,
    fileMode: plainFileMode(collect.targetDir),
    owner:
      ctx.isRoot && options.backupUser !== undefined && options.backupGroup !== undefined
        ? lookupOwnerIds(options.backupUser, options.backupGroup)
        : undefined,
  };
  if (ctx.isRoot && run.owner === undefined) {
    ctx.logger.error(
      `cannot find user "${options.backupUser ?? ""}" or group "${options.backupGroup ?? ""}": files will not be chowned`,
    );
  }
  for (const item of plannedItems(run)) {
    if (ctx.signal.aborted) return;
    if (!shouldCollect(item.collectMode, { full: run.full, startOfWeek })) {
      ctx.logger.debug(`Skipping weekly item [${item.path}]: today is not the start of the week.`);
      continue;
    }
    await backupItem(run, item);
  }
  const indicator = join(run.collect.targetDir, COLLECT_INDICATOR);
  closeSync(openSync(indicator, "a"));
  chownQuietly(run, indicator);
  ctx.logger.info("Executed the 'collect' action successfully.");
};

function plannedItems(run: CollectRun): CollectItem[] {
  const { collect } = run;
  const items: CollectItem[] = [];
  for (const file of collect.collectFiles ?? []) {
    if (file.absPath === undefined) continue;
    const path = file.absPath;
    items.push({
      path,
      collectMode: effectiveCollectMode(file, collect) ?? "daily",
      archiveMode: effectiveArchiveMode(file, collect) ?? "tar",
      entries: () => [selectFile(path)],
      mayRepeat: false,
    });
  }
  for (const dir of collect.collectDirs ?? []) {
    if (dir.absPath === undefined) continue;
    const exclusions = dirExclusions(dir, collect);
    const patterns = exclusions.patterns.map((pattern) => {
      const compiled = compilePythonPattern(pattern);
      if (!compiled.ok)
        throw new ActionError(
          "collect",
          `bad exclude pattern ${JSON.stringify(pattern)}: ${compiled.reason}`,
        );
      return compiled.regex;
    });
    const excludePaths = new Set<string>(exclusions.absolutePaths);
    const ignoreFile = effectiveIgnoreFile(dir, collect);
    const linkDepth = effectiveLinkDepth(dir);
    const dereference = effectiveDereference(dir);
    const collectMode = effectiveCollectMode(dir, collect) ?? "daily";
    const archiveMode = effectiveArchiveMode(dir, collect) ?? "tar";
    const select = {
      excludePaths,
      excludePatterns: patterns,
      ...(ignoreFile === undefined ? {} : { ignoreFile }),
      linkDepth,
      dereference,
      // A full archive opens and fstats each file anyway: its walk need not lstat them too.
      statFiles: collectMode === "incr" || run.ctx.progress !== undefined,
    };
    // Recursion carves subdirectories out into archives of their own; each carved-out
    // directory is then excluded from its parent's archive (Cedar's shared exclusion list).
    const targets = collectTargets(dir.absPath, effectiveRecursionLevel(dir), (parent) =>
      listSubdirectories(parent, select),
    );
    for (const target of targets) {
      // A full archive is bound by compression, which the walk's helper thread would only
      // slow down (and its memory add to the archive's); an incremental one is bound by the
      // walk, unless every file goes into the archive anyway: its digest is reset, or there
      // is none yet (a first run). Its listings would also be garbage for the collector
      // beside zlib's output, which made a first incremental run peak at 120-137 MiB.
      const comparesDigest =
        collectMode === "incr" &&
        !run.resetDigest &&
        existsSync(join(run.options.workingDir, digestFileName(target.path)));
      const targetSelect = comparesDigest ? select : { ...select, prefetchAfter: Infinity };
      items.push({
        path: target.path,
        collectMode,
        archiveMode,
        mayRepeat: dereference,
        entries: () => {
          for (const extra of target.extraExcludes) excludePaths.add(extra);
          return iterateDirContents(target.path, targetSelect, (path, reason) => {
            run.ctx.logger.info(`Skipping [${path}]: ${reason}.`);
          });
        },
      });
    }
  }
  return items;
}

async function backupItem(run: CollectRun, item: CollectItem): Promise<void> {
  const { ctx } = run;
  const tarPath = join(run.collect.targetDir, tarfileName(item.path, item.archiveMode));
  const entries = (): Iterable<SelectedEntry> => {
    try {
      return reportingWalkErrors(item.entries());
    } catch (error) {
      throw new ActionError("collect", (error as Error).message, { cause: error });
    }
  };
  if (item.collectMode !== "incr") {
    // Streamed: the walk feeds the archive as it goes, and runs while blocks compress.
    const selection = entries()[Symbol.iterator]();
    const first = selection.next();
    if (first.done === true) {
      ctx.logger.info(`No files to back up in [${item.path}]; no tarfile written.`);
      return;
    }
    await archive(run, tarPath, item.archiveMode, prepend(first.value, selection));
    return;
  }
  const digestPath = join(run.options.workingDir, digestFileName(item.path));
  const cachePath = run.collect.statCache === false ? undefined : `${digestPath}-cache`;
  const state = new NewState(digestPath, cachePath);
  const incremental = openIncremental(
    entries,
    {
      digestPath,
      cachePath,
      reset: run.resetDigest,
      trustBefore: run.startedAt.getTime() - RACY_WINDOW_MS,
      mayRepeat: item.mayRepeat,
      onDigestError: (message) => {
        ctx.logger.error(message);
      },
    },
    state,
  );
  try {
    await archiveChanges(run, item, tarPath, incremental);
    // Saved only now that the archive is complete: a crash before this point leaves the old
    // digest, so the next run archives the same changes again instead of losing them. A file
    // already holding exactly these bytes is left alone (Cedar rewrites it: same content).
    try {
      await state.digest?.commit();
      chownQuietly(run, digestPath);
    } catch (error) {
      ctx.logger.error(`Failed to write digest file [${digestPath}]: ${(error as Error).message}`);
    }
    try {
      await state.cache?.commit();
    } catch (error) {
      ctx.logger.warn(
        `Failed to write stat cache [${cachePath ?? ""}]: ${(error as Error).message}`,
      );
    }
  } finally {
    state.discard();
    incremental.close();
  }
}

/**
 * The digest pass of an incremental item, streamed into its archive: each changed entry is
 * archived as it is found. When the pass learns late that answers it gave may have been
 * wrong (CursorRestartError), the archive, still a temporary file, is dropped with the new
 * state, and both are made again from a pass that indexes the old state first: the archive
 * and state are always those of full indexing.
 */
async function archiveChanges(
  run: CollectRun,
  item: CollectItem,
  tarPath: string,
  incremental: IncrementalItem,
): Promise<void> {
  for (let indexed = false; ; indexed = true) {
    const pass = incremental.pass(indexed);
    const changes = pass.changes[Symbol.iterator]();
    try {
      const first = changes.next();
      if (first.done === true) {
        run.ctx.logger.info(`Nothing changed in [${item.path}]; no tarfile written.`);
      } else {
        await archive(run, tarPath, item.archiveMode, prepend(first.value, changes));
      }
      return;
    } catch (error) {
      if (!pass.restarted || indexed) throw error;
      run.ctx.logger.debug(`Reading the old state of [${item.path}] again, indexed.`);
    } finally {
      changes.return?.(); // an archive that failed half-way leaves the walk to be closed
    }
  }
}

/** The new digest and stat cache of an item, streamed to temporary files (see StateSinks). */
class NewState implements StateSinks {
  digest: StreamingReplacement | undefined;
  cache: StreamingReplacement | undefined;
  readonly #digestPath: string;
  readonly #cachePath: string | undefined;

  constructor(digestPath: string, cachePath: string | undefined) {
    this.#digestPath = digestPath;
    this.#cachePath = cachePath;
    // Left by a run killed while it wrote them: never the state itself.
    removeStaleTemporaries(digestPath);
    if (cachePath !== undefined) removeStaleTemporaries(cachePath);
  }

  readonly openDigest = (): StreamingReplacement => {
    this.digest?.discard();
    this.digest = new StreamingReplacement(this.#digestPath);
    return this.digest;
  };

  readonly openCache = (): StreamingReplacement => {
    this.cache?.discard();
    this.cache = new StreamingReplacement(this.#cachePath ?? `${this.#digestPath}-cache`);
    return this.cache;
  };

  readonly discard = (): void => {
    this.digest?.discard();
    this.cache?.discard();
    this.digest = undefined;
    this.cache = undefined;
  };
}

/** `first`, then the rest of `rest`. */
function* prepend<T>(first: T, rest: Iterator<T>): Generator<T, void, undefined> {
  yield first;
  for (let next = rest.next(); next.done !== true; next = rest.next()) yield next.value;
}

/** The walk's own failures as the action's (the walk reports what it skips; this is rare). */
function* reportingWalkErrors(
  selection: Iterable<SelectedEntry>,
): Generator<SelectedEntry, void, undefined> {
  try {
    yield* selection;
  } catch (error) {
    if (error instanceof ActionError) throw error;
    throw new ActionError("collect", (error as Error).message, { cause: error });
  }
}

async function archive(
  run: CollectRun,
  tarPath: string,
  mode: ArchiveMode,
  selection: Iterable<SelectedEntry>,
): Promise<void> {
  const { ctx } = run;
  let entries = selection;
  if (ctx.progress !== undefined) {
    // The bar needs its totals first: only then is the selection held whole.
    const list = Array.isArray(selection) ? (selection as SelectedEntry[]) : [...selection];
    const totalBytes = list.reduce(
      // With a bar the walk stats every file (see `statFiles` in plannedItems).
      (sum, entry) => sum + (entry.kind === "file" ? (entry.stat?.size ?? 0) : 0),
      0,
    );
    ctx.progress.start(basename(tarPath), list.length, totalBytes);
    entries = list;
  }
  const result = await writeArchive(tarPath, mode, entries, {
    ...(ctx.progress === undefined
      ? {}
      : { onProgress: (files: number, bytes: number) => ctx.progress?.update(files, bytes) }),
    runner: ctx.runner,
    logger: ctx.logger,
    signal: ctx.signal,
    fileMode: run.fileMode,
    clock: ctx.clock,
    ...(ctx.env["PATH"] === undefined ? {} : { searchPath: ctx.env["PATH"] }),
    onSkip: (path: string, reason: string) => {
      ctx.logger.info(`Unable to add file [${path}]; going on anyway (${reason}).`);
    },
  });
  ctx.progress?.stop();
  chownQuietly(run, tarPath);
  ctx.logger.info(`Wrote [${tarPath}]: ${result.members} files, ${result.bytes} bytes.`);
}

function chownQuietly(run: CollectRun, path: string): void {
  if (run.owner === undefined) return;
  try {
    chownSync(path, run.owner.uid, run.owner.gid);
  } catch (error) {
    run.ctx.logger.error(`Error changing ownership of [${path}]: ${(error as Error).message}`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
