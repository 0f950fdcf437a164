/**
 * The locale variables Cedar deletes before every external command (`util.LOCALE_VARS`), so
 * that programs whose output cback parses (cdrecord, growisofs, svnlook, df…) speak English
 * and format numbers the same way everywhere.
 */
export const CEDAR_LOCALE_VARIABLES: readonly string[] = [
  "LC_ADDRESS",
  "LC_ALL",
  "LC_COLLATE",
  "LC_CTYPE",
  "LC_IDENTIFICATION",
  "LC_MEASUREMENT",
  "LC_MESSAGES",
  "LC_MONETARY",
  "LC_NAME",
  "LC_NUMERIC",
  "LC_PAPER",
  "LC_TELEPHONE",
  "LC_TIME",
];

/**
 * The environment an external program runs with, by Cedar's rule (`sanitizeEnvironment`):
 * the base environment minus {@link CEDAR_LOCALE_VARIABLES}, with `LANG` forced to `C` when
 * it is set (an unset `LANG` stays unset), then `extra` on top. `extra` wins, so an
 * invocation may still ask for a locale on purpose. Undefined values are dropped.
 */
export function sanitizeEnvironment(
  base: Readonly<Record<string, string | undefined>>,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || CEDAR_LOCALE_VARIABLES.includes(name)) continue;
    result[name] = name === "LANG" ? "C" : value;
  }
  return { ...result, ...extra };
}
