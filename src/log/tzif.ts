/*
 * Time zone rules without Intl: TZif files (RFC 8536) and POSIX TZ strings, answering the
 * offset and abbreviation that the C library's localtime() gives for an instant. Creating
 * an Intl.DateTimeFormat makes Node load ICU's locale data (about 7.5 MiB of resident
 * memory); reading the zone file costs a few kilobytes.
 */
import { readFileSync } from "node:fs";
import { fixedZone, parsePosixTz, type LocalTimeType, type ZoneRules } from "./posix-tz.js";

export type { LocalTimeType, ZoneRules } from "./posix-tz.js";
export { parsePosixTz } from "./posix-tz.js";

/** Where {@link loadZoneRules} looks; the defaults are the system's disk and no `TZ`. */
export interface ZoneSource {
  /**
   * Environment holding `TZ` (and `TZDIR`), as the CLI passes it on; without one, `TZ` is
   * unset and the system zone (`/etc/localtime`) applies.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Reads a whole file; throws when it cannot. `fs.readFileSync` by default. */
  readonly readFile?: (path: string) => Uint8Array;
  /** The tzdata directory for zone names; `/usr/share/zoneinfo` by default. */
  readonly zoneinfoDir?: string;
}

const DEFAULT_ZONEINFO_DIR = "/usr/share/zoneinfo";
const LOCALTIME_FILE = "/etc/localtime";

/** UTC as the C library uses it for an empty `TZ`. */
export const UTC_RULES: ZoneRules = fixedZone({
  offsetSeconds: 0,
  abbreviation: "UTC",
  isDst: false,
});

/**
 * Load the rules of a zone, once, the way the C library picks them.
 *
 * - An explicit IANA `timeZone` ("Europe/Berlin") reads `<zoneinfoDir>/<timeZone>`; names
 *   that are absolute or contain `..` are refused.
 * - Without one, `TZ` decides: unset reads `/etc/localtime`; empty means UTC; otherwise a
 *   leading `:` is dropped and the value is read as a zone file (a name under `TZDIR` or
 *   the zoneinfo directory, or an absolute path), and if there is no such file it is
 *   parsed as a POSIX TZ string such as `EST5EDT,M3.2.0,M11.1.0`.
 *
 * Never throws: returns `undefined` when the zone cannot be read or parsed, so that the
 * caller can fall back to another source of zone data.
 */
export function loadZoneRules(timeZone?: string, source: ZoneSource = {}): ZoneRules | undefined {
  const readFile = source.readFile ?? readFileSync;
  const zoneinfoDir = source.zoneinfoDir ?? DEFAULT_ZONEINFO_DIR;
  const readZoneFile = (path: string): ZoneRules | undefined => {
    let bytes: Uint8Array;
    try {
      bytes = readFile(path);
    } catch {
      return undefined;
    }
    return parseTzif(bytes);
  };

  if (timeZone !== undefined) {
    if (!isSafeZoneName(timeZone)) return undefined;
    return readZoneFile(`${zoneinfoDir}/${timeZone}`);
  }

  const env = source.env ?? {};
  const tz = env["TZ"];
  if (tz === undefined) return readZoneFile(LOCALTIME_FILE);
  // glibc: a leading colon means "implementation defined"; it tries a file, then POSIX syntax.
  const name = tz.startsWith(":") ? tz.slice(1) : tz;
  if (name === "") return UTC_RULES;
  if (name.startsWith("/")) {
    const rules = readZoneFile(name);
    if (rules !== undefined) return rules;
  } else if (isSafeZoneName(name)) {
    const tzdir = env["TZDIR"];
    const rules = readZoneFile(
      `${tzdir === undefined || tzdir === "" ? zoneinfoDir : tzdir}/${name}`,
    );
    if (rules !== undefined) return rules;
  }
  return parsePosixTz(name);
}

function isSafeZoneName(name: string): boolean {
  return name !== "" && !name.startsWith("/") && !name.split("/").includes("..");
}

// TZif files (RFC 8536).

const HEADER_LENGTH = 44;

interface TzifHeader {
  readonly version: number;
  readonly isutcnt: number;
  readonly isstdcnt: number;
  readonly leapcnt: number;
  readonly timecnt: number;
  readonly typecnt: number;
  readonly charcnt: number;
}

/**
 * Parse a TZif file (versions 1 to 4). For version 2 and later the 64-bit data block and
 * the footer's POSIX TZ string are used, the latter for instants on or after the last
 * transition, and for every instant when there are no transitions (RFC 8536 §3.2).
 * Instants before the first transition get local time type 0, as §3.2 says (glibc takes
 * the first non-DST type instead; zic writes the same type in both places).
 * Leap-second records are skipped: instants are POSIX times, as in JavaScript.
 *
 * Returns `undefined` for a truncated or inconsistent file instead of throwing.
 */
export function parseTzif(bytes: Uint8Array): ZoneRules | undefined {
  try {
    return parseTzifOrThrow(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch {
    // DataView throws a RangeError when a count points past the end of the file.
    return undefined;
  }
}

function parseTzifOrThrow(view: DataView): ZoneRules | undefined {
  const v1 = readHeader(view, 0);
  if (v1 === undefined) return undefined;
  if (v1.version === 0) return readDataBlock(view, HEADER_LENGTH, v1, 4, undefined);

  const secondHeader = HEADER_LENGTH + dataBlockLength(v1, 4);
  const v2 = readHeader(view, secondHeader);
  if (v2 === undefined) return undefined;
  const footerStart = secondHeader + HEADER_LENGTH + dataBlockLength(v2, 8);
  const footer = readFooter(view, footerStart);
  if (footer === undefined) return undefined;
  let footerRules: ZoneRules | undefined;
  if (footer !== "") {
    footerRules = parsePosixTz(footer);
    if (footerRules === undefined) return undefined;
  }
  return readDataBlock(view, secondHeader + HEADER_LENGTH, v2, 8, footerRules);
}

function readHeader(view: DataView, offset: number): TzifHeader | undefined {
  if (view.byteLength < offset + HEADER_LENGTH) return undefined;
  const magic = [0, 1, 2, 3].map((i) => view.getUint8(offset + i));
  if (String.fromCharCode(...magic) !== "TZif") return undefined;
  const versionByte = view.getUint8(offset + 4);
  const count = (i: number): number => view.getUint32(offset + 20 + 4 * i);
  return {
    version: versionByte === 0 ? 0 : versionByte - 0x30,
    isutcnt: count(0),
    isstdcnt: count(1),
    leapcnt: count(2),
    timecnt: count(3),
    typecnt: count(4),
    charcnt: count(5),
  };
}

function dataBlockLength(header: TzifHeader, timeSize: number): number {
  return (
    header.timecnt * (timeSize + 1) +
    header.typecnt * 6 +
    header.charcnt +
    header.leapcnt * (timeSize + 4) +
    header.isstdcnt +
    header.isutcnt
  );
}

function readDataBlock(
  view: DataView,
  start: number,
  header: TzifHeader,
  timeSize: 4 | 8,
  footer: ZoneRules | undefined,
): ZoneRules | undefined {
  const { timecnt, typecnt, charcnt } = header;
  if (typecnt === 0 || charcnt === 0) return undefined;
  if (header.isstdcnt !== 0 && header.isstdcnt !== typecnt) return undefined;
  if (header.isutcnt !== 0 && header.isutcnt !== typecnt) return undefined;
  if (view.byteLength < start + dataBlockLength(header, timeSize)) return undefined;

  const times: number[] = [];
  for (let i = 0; i < timecnt; i++) {
    const at = start + i * timeSize;
    const time = timeSize === 4 ? view.getInt32(at) : Number(view.getBigInt64(at));
    if (i > 0 && time <= (times[i - 1] ?? time)) return undefined;
    times.push(time);
  }
  const indexStart = start + timecnt * timeSize;
  const typeIndexes: number[] = [];
  for (let i = 0; i < timecnt; i++) {
    const index = view.getUint8(indexStart + i);
    if (index >= typecnt) return undefined;
    typeIndexes.push(index);
  }
  const typeStart = indexStart + timecnt;
  const charStart = typeStart + typecnt * 6;
  const types: LocalTimeType[] = [];
  for (let i = 0; i < typecnt; i++) {
    const at = typeStart + i * 6;
    const offsetSeconds = view.getInt32(at);
    const isDst = view.getUint8(at + 4);
    const abbreviation = readDesignation(view, charStart, charcnt, view.getUint8(at + 5));
    if (offsetSeconds === -(2 ** 31) || isDst > 1 || abbreviation === undefined) return undefined;
    types.push({ offsetSeconds, abbreviation, isDst: isDst === 1 });
  }
  return tzifZone(times, typeIndexes, types, footer);
}

function readDesignation(
  view: DataView,
  charStart: number,
  charcnt: number,
  index: number,
): string | undefined {
  const codes: number[] = [];
  for (let i = index; i < charcnt; i++) {
    const code = view.getUint8(charStart + i);
    if (code === 0) return String.fromCharCode(...codes);
    codes.push(code);
  }
  return undefined;
}

/** The footer: `\n<TZ string>\n`; `undefined` when it is missing or malformed. */
function readFooter(view: DataView, start: number): string | undefined {
  if (view.byteLength <= start || view.getUint8(start) !== 0x0a) return undefined;
  const codes: number[] = [];
  for (let i = start + 1; i < view.byteLength; i++) {
    const code = view.getUint8(i);
    if (code === 0x0a) return String.fromCharCode(...codes);
    codes.push(code);
  }
  return undefined;
}

function tzifZone(
  times: readonly number[],
  typeIndexes: readonly number[],
  types: readonly LocalTimeType[],
  footer: ZoneRules | undefined,
): ZoneRules {
  const first = types[0];
  if (first === undefined) throw new RangeError("TZif without local time types");
  const last = times.at(-1);
  if (last === undefined) return footer ?? fixedZone(first);
  return {
    localTimeAt(epochMs) {
      const seconds = Math.floor(epochMs / 1000);
      if (footer !== undefined && seconds >= last) return footer.localTimeAt(epochMs);
      if (!(seconds >= (times[0] ?? Infinity))) return first;
      // The last transition at or before `seconds`, by binary search.
      let low = 0;
      let high = times.length - 1;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if ((times[middle] ?? Infinity) <= seconds) low = middle;
        else high = middle - 1;
      }
      return types[typeIndexes[low] ?? 0] ?? first;
    },
  };
}
