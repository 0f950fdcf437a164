/**
 * Cedar's purge rules (cedar-core.md §3.5), pure: which listed items go. A regular file goes
 * when its age in whole days (from the later of atime and mtime: reading a file keeps it
 * alive) is at least `retain_days`; symbolic links always go; every listed directory is then
 * tried with rmdir in listing order (parents first, so an emptied chain of directories
 * disappears one level per run, as in Cedar).
 */

/** One thing found under a purge directory (the directory itself is never listed). */
export interface PurgeItem {
  readonly path: string;
  readonly kind: "file" | "link" | "dir";
  readonly atimeMs: number;
  readonly mtimeMs: number;
}

/** What a purge of one directory does. */
export interface PurgePlan<T extends PurgeItem = PurgeItem> {
  /** Files and links to delete, in listing order. */
  readonly remove: readonly T[];
  /** Directories to try to remove (failures such as "not empty" are ignored), in listing order. */
  readonly tryRemoveDirs: readonly T[];
}

const DAY_SECONDS = 86_400;

/** Cedar's file age: whole days since the later of atime and mtime, never negative. */
export function fileAgeInDays(item: Pick<PurgeItem, "atimeMs" | "mtimeMs">, nowMs: number): number {
  const now = Math.floor(nowMs / 1000); // Python's int(time.time())
  const age = Math.floor((now - Math.max(item.atimeMs, item.mtimeMs) / 1000) / DAY_SECONDS);
  return Math.max(age, 0);
}

/** Plan the purge of one directory's listing. */
export function planPurge<T extends PurgeItem>(
  items: readonly T[],
  retainDays: number,
  nowMs: number,
): PurgePlan<T> {
  return {
    remove: items.filter(
      (item) =>
        item.kind === "link" || (item.kind === "file" && fileAgeInDays(item, nowMs) >= retainDays),
    ),
    tryRemoveDirs: items.filter((item) => item.kind === "dir"),
  };
}
