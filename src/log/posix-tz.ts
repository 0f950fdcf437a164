/*
 * POSIX TZ strings (`CET-1CEST,M3.5.0,M10.5.0/3`), with the RFC 8536 §3.3.1 extensions: the
 * rules the C library follows for a `TZ` value and for the footer of a TZif file (tzif.ts).
 */

/** The local time type in effect at an instant: the C library's `struct tm` zone fields. */
export interface LocalTimeType {
  /** Offset from UTC in seconds, east of Greenwich positive (`tm_gmtoff`). */
  readonly offsetSeconds: number;
  /** The abbreviation exactly as `strftime("%Z")` prints it (`tm_zone`): `CEST`, `IST`, `+03`. */
  readonly abbreviation: string;
  /** Whether daylight saving time is in effect (`tm_isdst`). */
  readonly isDst: boolean;
}

/** A zone's rules. Pure and cheap to call: all IO happened when the rules were loaded. */
export interface ZoneRules {
  /** The local time type at `epochMs` (milliseconds since 1970-01-01T00:00:00Z). */
  localTimeAt(epochMs: number): LocalTimeType;
}

const SECONDS_PER_DAY = 86_400;

/** Rules of a zone that never changes its local time type. */
export function fixedZone(type: LocalTimeType): ZoneRules {
  return { localTimeAt: () => type };
}

/** The day a daylight saving time change happens on, and at what local time. */
type TransitionRule =
  /** `Jn`: day 1 to 365, February 29 never counted. */
  | { readonly kind: "julian"; readonly day: number; readonly time: number }
  /** `n`: day 0 to 365, February 29 counted in leap years. */
  | { readonly kind: "day"; readonly day: number; readonly time: number }
  /** `Mm.w.d`: weekday `d` (0 = Sunday) of week `w` (5 = last) of month `m`. */
  | {
      readonly kind: "month";
      readonly month: number;
      readonly week: number;
      readonly weekday: number;
      readonly time: number;
    };

interface DaylightRules {
  readonly type: LocalTimeType;
  readonly start: TransitionRule;
  readonly end: TransitionRule;
}

/** What glibc uses when a TZ string names a DST zone but gives no rules. */
const DEFAULT_RULES = "M3.2.0,M11.1.0";

/**
 * Parse a POSIX TZ string such as `CET-1CEST,M3.5.0,M10.5.0/3`, `<+0530>-5:30` or `JST-9`:
 * std name and offset (positive west of Greenwich, `hh[:mm[:ss]]`), then optionally a DST
 * name, its offset (one hour ahead of std by default) and `,start[/time],end[/time]` rules
 * in the `Jn`, `n` or `Mm.w.d` forms; transition times may be negative or exceed 24 hours
 * (RFC 8536 §3.3.1). A DST zone without rules gets glibc's default, `M3.2.0,M11.1.0`.
 *
 * Returns `undefined` when the string does not parse.
 */
export function parsePosixTz(text: string): ZoneRules | undefined {
  const parser = new TzParser(text);
  const std = parser.zone(false, undefined);
  if (std === undefined) return undefined;
  if (parser.atEnd()) return fixedZone(std);
  const dst = parser.zone(true, std.offsetSeconds + 3600);
  if (dst === undefined) return undefined;
  const rules = parser.atEnd() ? new TzParser(`,${DEFAULT_RULES}`) : parser;
  if (!rules.take(",")) return undefined;
  const start = rules.rule();
  if (start === undefined || !rules.take(",")) return undefined;
  const end = rules.rule();
  if (end === undefined || !rules.atEnd()) return undefined;
  return posixZone(std, { type: dst, start, end });
}

class TzParser {
  private position = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.position === this.text.length;
  }

  take(char: string): boolean {
    if (this.text[this.position] !== char) return false;
    this.position++;
    return true;
  }

  /** A name and its offset; `defaultOffset` (east positive) makes the offset optional. */
  zone(isDst: boolean, defaultOffset: number | undefined): LocalTimeType | undefined {
    const abbreviation = this.name();
    if (abbreviation === undefined) return undefined;
    const next = this.text[this.position] ?? "";
    if (defaultOffset !== undefined && !/[-+0-9]/.test(next)) {
      return { offsetSeconds: defaultOffset, abbreviation, isDst };
    }
    const west = this.duration(24);
    if (west === undefined) return undefined;
    return { offsetSeconds: west === 0 ? 0 : -west, abbreviation, isDst };
  }

  private name(): string | undefined {
    const quoted = /^<([A-Za-z0-9+-]{3,})>/.exec(this.rest());
    const match = quoted ?? /^[A-Za-z]{3,}/.exec(this.rest());
    if (match === null) return undefined;
    this.position += match[0].length;
    return quoted === null ? match[0] : match[1];
  }

  /** `[+-]hh[:mm[:ss]]` in seconds, with `hh` at most `maxHours`. */
  private duration(maxHours: number): number | undefined {
    const match = /^([-+]?)(\d{1,3})(?::(\d{1,2})(?::(\d{1,2}))?)?/.exec(this.rest());
    if (match === null) return undefined;
    const [all, sign, hours = "", minutes = "0", seconds = "0"] = match;
    const [h, m, s] = [Number(hours), Number(minutes), Number(seconds)];
    if (h > maxHours || m > 59 || s > 59) return undefined;
    this.position += all.length;
    const total = h * 3600 + m * 60 + s;
    return sign === "-" ? -total : total;
  }

  /** `Jn`, `n` or `Mm.w.d`, then an optional `/time` (02:00:00 by default). */
  rule(): TransitionRule | undefined {
    const rest = this.rest();
    let rule: TransitionRule;
    let match: RegExpExecArray | null;
    if ((match = /^J(\d{1,3})/.exec(rest)) !== null) {
      rule = { kind: "julian", day: Number(match[1]), time: 7200 };
      if (rule.day < 1 || rule.day > 365) return undefined;
    } else if ((match = /^(\d{1,3})/.exec(rest)) !== null) {
      rule = { kind: "day", day: Number(match[1]), time: 7200 };
      if (rule.day > 365) return undefined;
    } else if ((match = /^M(\d{1,2})\.(\d)\.(\d)/.exec(rest)) !== null) {
      const [month, week, weekday] = [match[1], match[2], match[3]].map(Number) as [
        number,
        number,
        number,
      ];
      if (month < 1 || month > 12 || week < 1 || week > 5 || weekday > 6) return undefined;
      rule = { kind: "month", month, week, weekday, time: 7200 };
    } else {
      return undefined;
    }
    this.position += match[0].length;
    if (!this.take("/")) return rule;
    const time = this.duration(167);
    return time === undefined ? undefined : { ...rule, time };
  }

  private rest(): string {
    return this.text.slice(this.position);
  }
}

function posixZone(std: LocalTimeType, daylight: DaylightRules): ZoneRules {
  return {
    localTimeAt(epochMs) {
      const seconds = Math.floor(epochMs / 1000);
      const year = new Date(epochMs).getUTCFullYear();
      if (!Number.isFinite(year)) return std;
      // DST all year (RFC 8536 §3.3.1: `EST5EDT,0/0,J365/25`): the change back comes a whole
      // year after the change forward, so there is never a moment of standard time.
      const [start, end] = yearTransitions(year, std, daylight);
      if (end - start >= daysInYear(year) * SECONDS_PER_DAY) return daylight.type;
      // Neighbouring years too: transition times beyond 24 hours, or negative ones, and
      // southern-hemisphere rules can move a change across the turn of the year.
      const changes: [number, boolean][] = [];
      for (const y of [year - 1, year, year + 1]) {
        const [s, e] = yearTransitions(y, std, daylight);
        changes.push([s, true], [e, false]);
      }
      changes.sort((a, b) => a[0] - b[0]);
      let isDst = false;
      for (const [at, toDst] of changes) {
        if (at > seconds) break;
        isDst = toDst;
      }
      return isDst ? daylight.type : std;
    },
  };
}

/** The UTC seconds at which DST starts and ends in `year`. */
function yearTransitions(
  year: number,
  std: LocalTimeType,
  daylight: DaylightRules,
): [number, number] {
  // The start is given in standard time, the end in daylight saving time.
  const start = ruleDay(year, daylight.start) * SECONDS_PER_DAY + daylight.start.time;
  const end = ruleDay(year, daylight.end) * SECONDS_PER_DAY + daylight.end.time;
  return [start - std.offsetSeconds, end - daylight.type.offsetSeconds];
}

/** Days since 1970-01-01 of the date `rule` picks in `year`. */
function ruleDay(year: number, rule: TransitionRule): number {
  const january1 = daysFromCivil(year, 1, 1);
  switch (rule.kind) {
    case "julian":
      return january1 + rule.day - 1 + (isLeapYear(year) && rule.day >= 60 ? 1 : 0);
    case "day":
      return january1 + rule.day;
    case "month": {
      const first = daysFromCivil(year, rule.month, 1);
      // 1970-01-01 was a Thursday (weekday 4).
      const firstWeekday = (((first + 4) % 7) + 7) % 7;
      let day = first + ((rule.weekday - firstWeekday + 7) % 7) + (rule.week - 1) * 7;
      const nextMonth = daysFromCivil(
        rule.month === 12 ? year + 1 : year,
        (rule.month % 12) + 1,
        1,
      );
      while (day >= nextMonth) day -= 7;
      return day;
    }
  }
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1 to 12). */
function daysFromCivil(year: number, month: number, day: number): number {
  // Count from March so that February, with its leap day, ends the year.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInYear(year: number): number {
  return isLeapYear(year) ? 366 : 365;
}
