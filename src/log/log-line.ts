import type { LogLevel } from "./logger.js";
import { loadZoneRules, type LocalTimeType, type ZoneRules, type ZoneSource } from "./tzif.js";

/** Python's level names, as Cedar writes them in the log file. */
export const LEVEL_NAMES: Readonly<Record<LogLevel, string>> = {
  debug: "DEBUG",
  info: "INFO",
  warn: "WARNING",
  error: "ERROR",
};

/**
 * One flow record as Cedar's log file holds it:
 * `2026-11-26T16:12:27 UTC --> [INFO   ] Cedar Backup run started.`
 *
 * @param timestamp - The stamp, usually from {@link createTimestampFormatter}.
 * @param level - The record's level, written with Python's name, padded to 7 characters.
 * @param message - The message, written as it is.
 */
export function formatLogLine(timestamp: string, level: LogLevel, message: string): string {
  return `${timestamp} --> [${LEVEL_NAMES[level].padEnd(7)}] ${message}`;
}

/**
 * A formatter for Cedar's log timestamp, `%Y-%m-%dT%H:%M:%S %Z`: wall-clock time in
 * `timeZone` and that zone's abbreviation as the C library prints it.
 *
 * The zone is read once, here, from tzdata (see {@link loadZoneRules}): an IANA
 * `timeZone` from the zoneinfo directory, or by default the process's zone as the C
 * library chooses it from `TZ` (`/etc/localtime` when unset). Only when that zone data
 * cannot be read or parsed does it fall back to `Intl.DateTimeFormat`, which costs several
 * MiB of memory for ICU's locale data and throws a `RangeError` for a name it does not know.
 *
 * @param timeZone - An IANA zone name such as "Europe/Berlin"; the local zone by default.
 * @param source - Where the local zone is looked up; the process's environment and disk by
 *   default. Meant for tests.
 * @returns A function of an instant; it throws a `RangeError` for an invalid `Date`.
 */
export function createTimestampFormatter(
  timeZone?: string,
  source?: ZoneSource,
): (date: Date) => string {
  const rules = loadZoneRules(timeZone, source);
  if (rules === undefined) return createIntlTimestampFormatter(timeZone);
  return (date) => {
    const { offsetSeconds, abbreviation } = localTimeAt(rules, date);
    // Shifted by the offset, the UTC fields of the Date are the zone's wall-clock fields.
    const wall = new Date(date.getTime() + offsetSeconds * 1000);
    const two = (value: number): string => String(value).padStart(2, "0");
    const day = `${String(wall.getUTCFullYear()).padStart(4, "0")}-${two(wall.getUTCMonth() + 1)}-${two(wall.getUTCDate())}`;
    const time = `${two(wall.getUTCHours())}:${two(wall.getUTCMinutes())}:${two(wall.getUTCSeconds())}`;
    return `${day}T${time} ${abbreviation}`;
  };
}

/**
 * The abbreviation of `timeZone` at an instant, as the C library's `%Z` prints it: `CET`
 * and `CEST`, `EST` and `EDT`, `IST` for Asia/Kolkata, `+03` for zones without letters.
 * Zone data is found as in {@link createTimestampFormatter}, including the Intl fallback,
 * which only approximates `%Z` (it gives `+0530` for Asia/Kolkata, for example).
 *
 * @param timeZone - An IANA zone name; the local zone by default.
 * @param source - Where the local zone is looked up; meant for tests.
 */
export function createZoneAbbreviation(
  timeZone?: string,
  source?: ZoneSource,
): (date: Date) => string {
  const rules = loadZoneRules(timeZone, source);
  if (rules === undefined) return createIntlZoneAbbreviation(timeZone);
  return (date) => localTimeAt(rules, date).abbreviation;
}

function localTimeAt(rules: ZoneRules, date: Date): LocalTimeType {
  const time = date.getTime();
  // Intl.DateTimeFormat throws this for an invalid Date too.
  if (Number.isNaN(time)) throw new RangeError("Invalid time value");
  return rules.localTimeAt(time);
}

// The fallback, for hosts without tzdata: Intl. Nothing here runs unless it is needed, so
// a normal run never loads ICU's locale data.

function createIntlTimestampFormatter(timeZone: string | undefined): (date: Date) => string {
  const zone = timeZone === undefined ? {} : { timeZone };
  const fields = new Intl.DateTimeFormat("en-US", {
    ...zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });
  const abbreviation = createIntlZoneAbbreviation(timeZone);
  return (date) => {
    const parts = new Map(fields.formatToParts(date).map((part) => [part.type, part.value]));
    const part = (type: Intl.DateTimeFormatPartTypes): string => parts.get(type) ?? "";
    const day = `${part("year").padStart(4, "0")}-${part("month")}-${part("day")}`;
    const time = `${part("hour")}:${part("minute")}:${part("second")}`;
    return `${day}T${time} ${abbreviation(date)}`;
  };
}

/**
 * As close to the C library's `%Z` as Intl gets: US names (EST, PDT) and UTC from en-US,
 * European names (CET, BST) from en-GB, and otherwise tzdata's numeric style (`+03`,
 * `+0530`), which is what the C library prints for zones that have no letters. Zones like
 * Asia/Kolkata (IST) get the numeric form.
 */
function createIntlZoneAbbreviation(timeZone: string | undefined): (date: Date) => string {
  const zone = timeZone === undefined ? {} : { timeZone };
  const names = ["en-US", "en-GB"].map(
    (locale) => new Intl.DateTimeFormat(locale, { ...zone, timeZoneName: "short" }),
  );
  return (date) => {
    let last = "";
    for (const format of names) {
      last = format.formatToParts(date).find((part) => part.type === "timeZoneName")?.value ?? "";
      if (!GMT_OFFSET.test(last)) return last;
    }
    return numericAbbreviation(last);
  };
}

const GMT_OFFSET = /^GMT([+-])(\d{1,2})(?::(\d{2}))?$/;

function numericAbbreviation(name: string): string {
  const match = GMT_OFFSET.exec(name);
  if (match === null) return name;
  const [, sign = "+", hours = "0", minutes = ""] = match;
  return `${sign}${hours.padStart(2, "0")}${minutes}`;
}
