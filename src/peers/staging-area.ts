/**
 * Beyond Cedar: a peer is copied into a hidden sibling `.<peer>.partial-<hex>` of its
 * staging directory and moved into `<peer>` only when the whole copy succeeded, so a
 * half-copied peer never looks staged. Cedar creates every `<peer>` directory up front (failed
 * peers leave it empty) and so does the stage action; the partial directory is an extra that
 * exists only while one peer is being copied (or after a crash, until the next stage of that
 * peer removes it), so the final layout is Cedar's.
 */
import { randomBytes } from "node:crypto";
import {
  chownSync,
  lstatSync,
  mkdirSync,
  openSync,
  closeSync,
  fsyncSync,
  readdirSync,
  renameSync,
  rmSync,
  rmdirSync,
} from "node:fs";
import { open } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { syncDirectory } from "../fs/atomic-write.js";
import type { Ownership } from "./peer.js";

const PARTIAL_MARK = ".partial-";

function partialPrefix(targetDir: string): string {
  return `.${basename(targetDir)}${PARTIAL_MARK}`;
}

/**
 * Remove what an interrupted earlier stage of this peer left behind, then create a fresh,
 * empty partial directory beside `targetDir` (mode from the umask as Cedar's `makedirs`,
 * chowned to `ownership` so that a copy run through `su` can write into it).
 * @returns the partial directory's path
 */
export function createPartialDir(targetDir: string, ownership: Ownership | undefined): string {
  const parent = dirname(targetDir);
  const prefix = partialPrefix(targetDir);
  for (const entry of readdirSync(parent)) {
    if (entry.startsWith(prefix)) rmSync(join(parent, entry), { recursive: true, force: true });
  }
  const partial = join(parent, `${prefix}${randomBytes(6).toString("hex")}`);
  mkdirSync(partial, { mode: 0o777 });
  if (ownership !== undefined) chownSync(partial, ownership.uid, ownership.gid);
  return partial;
}

/** Remove a partial directory (after a failed copy); never throws. */
export function discardPartialDir(partial: string): void {
  rmSync(partial, { recursive: true, force: true });
}

/**
 * Relative paths of the regular, non-link files below `dir` (recursive), like Cedar's
 * `FilesystemList` with directories and links excluded. A missing directory has none.
 */
export function listRegularFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    let entries: string[];
    try {
      entries = readdirSync(join(dir, relative));
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = relative === "" ? entry : join(relative, entry);
      const stats = lstatSync(join(dir, path));
      if (stats.isDirectory()) walk(path);
      else if (stats.isFile()) found.push(path);
    }
  };
  walk("");
  return found;
}

function fsyncFile(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * How often {@link syncFilesWhileCopying} looks for files the copy has finished. (50 ms
 * left fewer files to fsync after the copy, but slowed the copy more than that saved; the
 * schedules measured are in docs/decisions/0008-stage.md.)
 */
const EARLY_SYNC_INTERVAL_MS = 150;

async function fsyncFileAsync(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The regular files below `dir` that a copy writing one file after another has finished:
 * every file but those with the newest change time (the one being written changes last;
 * ctime, unlike mtime, cannot be set back by `scp -p`). Oldest first.
 */
function finishedFiles(dir: string): string[] {
  const files = listRegularFiles(dir).flatMap((file) => {
    try {
      return [{ file, ctime: lstatSync(join(dir, file), { bigint: true }).ctimeNs }];
    } catch {
      return [];
    }
  });
  let newest = -1n;
  for (const { ctime } of files) if (ctime > newest) newest = ctime;
  return files
    .filter(({ ctime }) => ctime < newest)
    .sort((a, b) => (a.ctime < b.ctime ? -1 : a.ctime > b.ctime ? 1 : 0))
    .map(({ file }) => file);
}

/**
 * Overlap the fsyncs of a copy into `partial` with the copy itself: while `copying` runs,
 * every {@link EARLY_SYNC_INTERVAL_MS} fsync (one at a time, off the event loop) the files
 * the copy has finished, assuming it writes files one after another as scp does. Each file
 * is fsynced once. When `copying` settles the pass stops after the fsync in flight, so no
 * fsync outlives this call; the files not fsynced yet are left to {@link publishPartialDir}.
 * @returns the relative paths fsynced so far (pass them to {@link publishPartialDir})
 * @throws the copy's error when it failed, else the first fsync error
 */
export async function syncFilesWhileCopying(
  partial: string,
  copying: Promise<unknown>,
  intervalMs: number = EARLY_SYNC_INTERVAL_MS,
): Promise<ReadonlySet<string>> {
  const synced = new Set<string>();
  let done = false;
  // A function, not the variable: `done` changes while this awaits.
  const copied = () => done;
  let wake: (() => void) | undefined;
  const settle = () => {
    done = true;
    wake?.();
  };
  copying.then(settle, settle);
  const pause = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, intervalMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  let failure: { error: unknown } | undefined;
  while (!copied()) {
    await pause();
    wake = undefined;
    try {
      for (const file of copied() ? [] : finishedFiles(partial)) {
        if (copied()) break;
        if (synced.has(file)) continue;
        await fsyncFileAsync(join(partial, file));
        synced.add(file);
      }
    } catch (error) {
      failure = { error };
      break;
    }
  }
  await copying;
  if (failure !== undefined) throw failure.error;
  return synced;
}

/**
 * Make a finished copy the peer's staging directory: fsync its files (but those in
 * `alreadySynced`), then rename the partial directory onto `targetDir` when that is empty
 * (one atomic step), or else move each entry over the existing one (a same-day re-stage
 * overwrites, as in Cedar) and remove the partial directory.
 * @returns the relative paths of the files moved into `targetDir`
 */
export async function publishPartialDir(
  partial: string,
  targetDir: string,
  alreadySynced: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  const files = listRegularFiles(partial);
  for (const file of files) if (!alreadySynced.has(file)) fsyncFile(join(partial, file));
  await syncDirectory(partial);
  let existing: string[] = [];
  try {
    existing = readdirSync(targetDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (existing.length === 0) {
    renameSync(partial, targetDir);
  } else {
    for (const entry of readdirSync(partial)) {
      renameSync(join(partial, entry), join(targetDir, entry));
    }
    await syncDirectory(targetDir);
    rmdirSync(partial);
  }
  await syncDirectory(dirname(targetDir));
  return files;
}
