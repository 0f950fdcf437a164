import type { LogLevel } from "./logger.js";

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
 */
export function formatLogLine(timestamp: string, level: LogLevel, message: string): string {
  return `${timestamp} --> [${LEVEL_NAMES[level].padEnd(7)}] ${message}`;
}

/**
 * A formatter for Cedar's log timestamp, `%Y-%m-%dT%H:%M:%S %Z`: wall-clock time in
 * `timeZone` (default: the process's local zone) and that zone's abbreviation.
 */
export function createTimestampFormatter(timeZone?: string): (date: Date) => string {
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
  const abbreviation = createZoneAbbreviation(timeZone);
  return (date) => {
    const parts = new Map(fields.formatToParts(date).map((part) => [part.type, part.value]));
    const part = (type: Intl.DateTimeFormatPartTypes): string => parts.get(type) ?? "";
    const day = `${part("year").padStart(4, "0")}-${part("month")}-${part("day")}`;
    const time = `${part("hour")}:${part("minute")}:${part("second")}`;
    return `${day}T${time} ${abbreviation(date)}`;
  };
}

/**
 * The abbreviation of `timeZone` at `date`, as close to the C library's `%Z` as Intl gets:
 * US names (EST, PDT) and UTC from en-US, European names (CET, BST) from en-GB, and
 * otherwise tzdata's numeric style (`+03`, `+0530`), which is what the C library prints
 * for zones that have no letters. Zones like Asia/Kolkata (IST) get the numeric form.
 */
export function createZoneAbbreviation(timeZone?: string): (date: Date) => string {
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
