/**
 * Cedar's collect planning rules (cedar-core.md §3.1): how a collected path is named on
 * disk, which items run today, and which directories recursion carves out into archives
 * of their own. Pure: listing subdirectories is passed in by the caller.
 */

/** When an item is collected (same values as the config's `collect_mode`). */
export type CollectMode = "daily" | "weekly" | "incr";

/** How an archive is compressed (same values as the config's `archive_mode`). */
export type ArchiveMode = "tar" | "targz" | "tarbz2";

const ARCHIVE_EXTENSIONS: Readonly<Record<ArchiveMode, string>> = {
  tar: "tar",
  targz: "tar.gz",
  tarbz2: "tar.bz2",
};

// Python's `\s` on str patterns: exactly the characters for which str.isspace() is true
// (JavaScript's `\s` differs: it adds U+FEFF and lacks U+001C-U+001F and U+0085).
const PYTHON_WHITESPACE =
  // eslint-disable-next-line no-control-regex -- U+001C-U+001F are whitespace to Python
  /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/g;

/**
 * Cedar's `buildNormalizedPath`: a path turned into a file name. `""` stays `""`; a lone
 * `/` or `\` becomes `_`; otherwise, in order: a leading Windows drive `X:/` or `X:\`
 * becomes `X-`, one leading `/` then one leading `\` are removed, a leading `.` becomes
 * `_`, every `/` and `\` becomes `-`, every whitespace character and every `:` becomes
 * `_`. The path is used verbatim, so `/usr/local/` gives `usr-local-`.
 */
export function buildNormalizedPath(path: string): string {
  if (path === "") return "";
  if (path === "/" || path === "\\") return "_";
  return path
    .replace(/^([A-Za-z]):[\\/]/, "$1-")
    .replace(/^\//, "")
    .replace(/^\\/, "")
    .replace(/^\./, "_")
    .replaceAll("/", "-")
    .replaceAll("\\", "-")
    .replace(PYTHON_WHITESPACE, "_")
    .replaceAll(":", "_");
}

/** Name of the archive collect writes for `path`: `<normalized>.tar|.tar.gz|.tar.bz2`. */
export function tarfileName(path: string, archiveMode: ArchiveMode): string {
  return `${buildNormalizedPath(path)}.${ARCHIVE_EXTENSIONS[archiveMode]}`;
}

/** Name of the incremental digest file of `path` in the working dir: `<normalized>.sha`. */
export function digestFileName(path: string): string {
  return `${buildNormalizedPath(path)}.sha`;
}

const DAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/**
 * Cedar's `deriveDayOfWeek`: `monday`..`sunday` (any case) to 0..6, anything else to -1.
 */
export function deriveDayOfWeek(name: string): number {
  return DAY_NAMES.indexOf(name.toLowerCase());
}

/**
 * Whether `now`, in local time, falls on the configured starting day of the week. An
 * unknown day name never matches, as in Cedar.
 */
export function isStartOfWeek(now: Date, startingDay: string): boolean {
  // Date#getDay counts from Sunday = 0; Cedar's tm_wday counts from Monday = 0.
  return (now.getDay() + 6) % 7 === deriveDayOfWeek(startingDay);
}

/** What decides whether a run collects an item and resets its digest. */
export interface CollectDay {
  /** `--full` was given. */
  readonly full: boolean;
  /** Today is the configured starting day of the week. */
  readonly startOfWeek: boolean;
}

/**
 * Whether an item with this collect mode is collected today: always with `--full`,
 * always for `daily` and `incr`, and for `weekly` only at the start of the week.
 */
export function shouldCollect(mode: CollectMode, day: CollectDay): boolean {
  return day.full || mode !== "weekly" || day.startOfWeek;
}

/**
 * Whether incremental items start from an empty digest (so everything is archived again):
 * with `--full` and at the start of the week.
 */
export function shouldResetDigest(day: CollectDay): boolean {
  return day.full || day.startOfWeek;
}

/** One directory archive that a configured `<dir>` produces. */
export interface CollectTarget {
  /**
   * The directory to archive: the configured path verbatim for the `<dir>` itself, the
   * listed path (no trailing `/`) for a subdirectory carved out by recursion. The archive
   * and digest names derive from it.
   */
  readonly path: string;
  /**
   * Subdirectories already archived on their own when this target is reached: they are
   * excluded from its archive in addition to the `<dir>`'s own exclusions. Each target's
   * list is a prefix of the next one's.
   */
  readonly extraExcludes: readonly string[];
}

/**
 * Lists the immediate real subdirectories of `dir` (links excluded), applying the `<dir>`
 * exclusions plus `extraExcludes`, in listing order.
 */
export type ListSubdirectories = (
  dir: string,
  extraExcludes: readonly string[],
) => readonly string[];

/**
 * The archives a `<dir>` with the given `recursion_level` produces, in Cedar's order. At
 * level 0 the directory is one archive. Otherwise each subdirectory is first handled with
 * level - 1 and then added to the exclusions shared by the rest of this `<dir>`, and the
 * directory itself comes last with whatever was not carved out. A negative level never
 * reaches 0, so every directory down to the leaves gets its own archive.
 */
export function collectTargets(
  dir: string,
  level: number,
  listSubdirectories: ListSubdirectories,
): CollectTarget[] {
  // The exclusion list only grows, so every target's list is a prefix of it: keeping the
  // length instead of a copy keeps unlimited recursion over a large tree linear in memory.
  const excludes: string[] = [];
  const targets: CollectTarget[] = [];
  const prefix = (length: number): CollectTarget["extraExcludes"] => excludes.slice(0, length);
  const visit = (path: string, remaining: number): void => {
    if (remaining !== 0) {
      for (const subdir of listSubdirectories(path, prefix(excludes.length))) {
        visit(subdir, remaining - 1);
        excludes.push(subdir);
      }
    }
    const length = excludes.length;
    targets.push({
      path,
      get extraExcludes() {
        return prefix(length);
      },
    });
  };
  visit(dir, level);
  return targets;
}
