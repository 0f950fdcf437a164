/**
 * The `purge` action (cedar-core.md §3.5): age files out of each `<purge><dir>`. Cedar's
 * rules exactly: atime counts, links always go, emptied directories go one level per run,
 * and a missing purge directory fails the action (the later ones are not purged).
 */
import { rmdirSync, unlinkSync } from "node:fs";
import { planPurge } from "../domain/purge-plan.js";
import { ActionError } from "../errors/cback-error.js";
import { listPurgeItems } from "../fs/purge-items.js";
import type { ActionHandler } from "./action-context.js";

/** The purge action. */
export const purgeAction: ActionHandler = (ctx) => {
  const { options, purge } = ctx.config;
  if (options === undefined || purge === undefined) {
    return Promise.reject(
      new ActionError("purge", "the <options> and <purge> sections must be filled in to purge"),
    );
  }
  const nowMs = ctx.clock.now().getTime();
  for (const dir of purge.purgeDirs ?? []) {
    if (dir.absPath === undefined || dir.retainDays === undefined) continue;
    if (ctx.signal.aborted) break;
    let items;
    try {
      items = listPurgeItems(dir.absPath, (path, reason) => {
        ctx.logger.warn(`Purge: skipping [${path}]: ${reason}.`);
      });
    } catch (error) {
      return Promise.reject(new ActionError("purge", (error as Error).message, { cause: error }));
    }
    const plan = planPurge(items, dir.retainDays, nowMs);
    let files = 0;
    for (const item of plan.remove) {
      try {
        unlinkSync(item.bytes);
        files += 1;
      } catch (error) {
        ctx.logger.warn(`Purge: cannot remove [${item.path}]: ${(error as Error).message}`);
      }
    }
    let dirs = 0;
    for (const item of plan.tryRemoveDirs) {
      try {
        rmdirSync(item.bytes);
        dirs += 1;
      } catch {
        // Not empty (or not removable): Cedar ignores it; it may go in a later run.
      }
    }
    ctx.logger.info(
      `Purged ${files} files and ${dirs} directories from [${dir.absPath}] (retain ${dir.retainDays} days).`,
    );
  }
  return Promise.resolve();
};
