import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  readdirSync,
  statSync,
} from "node:fs";
import { join } from "node:path";
import { COLLECT_INDICATOR, STAGE_INDICATOR } from "../domain/stage-plan.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import type { Ownership, StagePeer } from "./peer.js";
import { createPartialDir, discardPartialDir, publishPartialDir } from "./staging-area.js";

/** What a local peer needs. */
export interface LocalPeerOptions {
  readonly name: string;
  /** Absolute path of the peer's collect directory on this host. */
  readonly collectDir: string;
}

/** `os.path.isdir`: follows links (a collect directory may be a link to one). */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A peer whose collect directory is on this host (Cedar's `LocalPeer`). Every entry of the
 * collect directory is staged, dotfiles and `cback.*` indicators included, with its content
 * and mode; an entry that is not a regular file fails the peer. Re-staging on the same day
 * succeeds (files are overwritten).
 */
export function createLocalPeer(options: LocalPeerOptions): StagePeer {
  const { name, collectDir } = options;
  return {
    name,
    isReady: () => Promise.resolve(existsSync(join(collectDir, COLLECT_INDICATOR))),
    async stage(targetDir, ownership) {
      if (!isDirectory(collectDir)) {
        throw new Error("Collect directory is not a directory or does not exist on disk.");
      }
      const partial = createPartialDir(targetDir, ownership);
      try {
        const count = copyEntries(collectDir, partial, ownership);
        if (count === 0) throw new Error("Did not copy any files from local peer.");
        await publishPartialDir(partial, targetDir);
        return count;
      } catch (error) {
        discardPartialDir(partial);
        throw error;
      }
    },
    writeStageIndicator: () => writeFileAtomic(join(collectDir, STAGE_INDICATOR), ""),
  };
}

/** Cedar's `_copyLocalDir` (not recursive) with `shutil.copy` semantics per entry. */
function copyEntries(sourceDir: string, targetDir: string, ownership: Ownership | undefined) {
  let count = 0;
  for (const entry of readdirSync(sourceDir)) {
    const source = join(sourceDir, entry);
    const target = join(targetDir, entry);
    const stats = lstatSync(source);
    if (!stats.isFile()) throw new Error("Source is not a regular file.");
    copyFileSync(source, target);
    chmodSync(target, stats.mode & 0o7777);
    if (ownership !== undefined) chownSync(target, ownership.uid, ownership.gid);
    count += 1;
  }
  return count;
}
