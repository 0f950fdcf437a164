import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadZoneRules, parsePosixTz, parseTzif, type ZoneSource } from "./tzif.js";

const at = (iso: string): number => Date.parse(iso);

/** The UTC offset Intl (ICU's own copy of tzdata) gives, to check ours against. */
function intlOffsetSeconds(timeZone: string, epochMs: number): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(new Date(epochMs));
  const field = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((part) => part.type === type)?.value);
  const wall = Date.UTC(
    field("year"),
    field("month") - 1,
    field("day"),
    field("hour"),
    field("minute"),
    field("second"),
  );
  return (wall - Math.floor(epochMs / 1000) * 1000) / 1000;
}

describe("parsePosixTz", () => {
  // Expected values from glibc: TZ=<string> date -d <instant> '+%Z %z'.
  it.each<[string, string, string, number]>([
    // US rules: second Sunday in March to first Sunday in November, at 02:00 local.
    ["EST5EDT,M3.2.0,M11.1.0", "2026-03-08T06:59:59Z", "EST", -5 * 3600],
    ["EST5EDT,M3.2.0,M11.1.0", "2026-03-08T07:00:00Z", "EDT", -4 * 3600],
    ["EST5EDT,M3.2.0,M11.1.0", "2026-11-01T05:59:59Z", "EDT", -4 * 3600],
    ["EST5EDT,M3.2.0,M11.1.0", "2026-11-01T06:00:00Z", "EST", -5 * 3600],
    // EU rules: last Sunday in March and October, at 01:00 UTC.
    ["CET-1CEST,M3.5.0,M10.5.0/3", "2026-03-29T00:59:59Z", "CET", 3600],
    ["CET-1CEST,M3.5.0,M10.5.0/3", "2026-03-29T01:00:00Z", "CEST", 7200],
    ["CET-1CEST,M3.5.0,M10.5.0/3", "2026-10-25T00:59:59Z", "CEST", 7200],
    ["CET-1CEST,M3.5.0,M10.5.0/3", "2026-10-25T01:00:00Z", "CET", 3600],
    // Southern hemisphere: DST across the turn of the year.
    ["AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-01-01T00:00:00Z", "AEDT", 11 * 3600],
    ["AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-04-04T15:59:59Z", "AEDT", 11 * 3600],
    ["AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-04-04T16:00:00Z", "AEST", 10 * 3600],
    ["AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-10-03T15:59:59Z", "AEST", 10 * 3600],
    ["AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-10-03T16:00:00Z", "AEDT", 11 * 3600],
    ["AEST-10AEDT,M10.1.0,M4.1.0/3", "2026-12-31T23:00:00Z", "AEDT", 11 * 3600],
    // Europe/Dublin: "standard" IST in summer, negative DST (GMT) in winter.
    ["IST-1GMT0,M10.5.0,M3.5.0/1", "2026-07-01T12:00:00Z", "IST", 3600],
    ["IST-1GMT0,M10.5.0,M3.5.0/1", "2026-01-01T12:00:00Z", "GMT", 0],
    // Quoted names, minutes and seconds in offsets.
    ["<+0530>-5:30", "2026-07-01T12:00:00Z", "+0530", 19_800],
    ["LMT-0:53:28", "2026-07-01T12:00:00Z", "LMT", 3208],
    ["NST3:30NDT,M3.2.0,M11.1.0", "2026-07-01T12:00:00Z", "NDT", -9000],
    // Jn: February 29 is never counted, J60 is March 1 even in a leap year.
    ["XXX3YYY,J60,J300", "2028-03-01T04:59:59Z", "XXX", -3 * 3600],
    ["XXX3YYY,J60,J300", "2028-03-01T05:00:00Z", "YYY", -2 * 3600],
    // n: zero-based, February 29 counted: day 59 is Feb 29 in 2028 and Mar 1 in 2027.
    ["XXX3YYY,59,300", "2028-02-29T04:59:59Z", "XXX", -3 * 3600],
    ["XXX3YYY,59,300", "2028-02-29T05:00:00Z", "YYY", -2 * 3600],
    ["XXX3YYY,59,300", "2027-02-28T05:00:00Z", "XXX", -3 * 3600],
    ["XXX3YYY,59,300", "2027-03-01T05:00:00Z", "YYY", -2 * 3600],
    // Negative and beyond-24h transition times (RFC 8536 §3.3.1).
    ["EST5EDT,M3.2.0/-1,M11.1.0", "2026-03-08T03:59:59Z", "EST", -5 * 3600],
    ["EST5EDT,M3.2.0/-1,M11.1.0", "2026-03-08T04:00:00Z", "EDT", -4 * 3600],
    ["EST5EDT,M3.2.0/25,M11.1.0", "2026-03-09T05:59:59Z", "EST", -5 * 3600],
    ["EST5EDT,M3.2.0/25,M11.1.0", "2026-03-09T06:00:00Z", "EDT", -4 * 3600],
    // America/Nuuk's footer: changes at -01:00 and 00:00 local.
    ["<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2026-03-29T00:59:59Z", "-02", -2 * 3600],
    ["<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2026-03-29T01:00:00Z", "-01", -3600],
    ["<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2026-10-25T00:59:59Z", "-01", -3600],
    ["<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2026-10-25T01:00:00Z", "-02", -2 * 3600],
    // DST all year, RFC 8536 §3.3.1's example. glibc evaluates the rule per UTC year and
    // prints XXX for the first hours of each year; we follow the RFC and tzcode.
    ["XXX3EDT4,0/0,J365/25", "2026-01-01T01:00:00Z", "EDT", -4 * 3600],
    ["XXX3EDT4,0/0,J365/25", "2026-07-01T12:00:00Z", "EDT", -4 * 3600],
    // A DST name without rules gets glibc's default, the US rules.
    ["EST5EDT", "2026-07-01T12:00:00Z", "EDT", -4 * 3600],
    ["EST5EDT", "2026-01-01T12:00:00Z", "EST", -5 * 3600],
    // No DST.
    ["UTC0", "2026-07-01T12:00:00Z", "UTC", 0],
    ["JST-9", "2026-07-01T12:00:00Z", "JST", 9 * 3600],
  ])("%s at %s is %s", (tz, instant, abbreviation, offsetSeconds) => {
    const local = parsePosixTz(tz)?.localTimeAt(at(instant));
    expect(local?.abbreviation).toBe(abbreviation);
    expect(local?.offsetSeconds).toBe(offsetSeconds);
  });

  it("marks the DST type", () => {
    const rules = parsePosixTz("CET-1CEST,M3.5.0,M10.5.0/3");
    expect(rules?.localTimeAt(at("2026-07-01T00:00:00Z")).isDst).toBe(true);
    expect(rules?.localTimeAt(at("2026-01-01T00:00:00Z")).isDst).toBe(false);
  });

  it.each([
    "",
    "EST",
    "ES5",
    "5",
    "<+05",
    "<+05>",
    "EST25",
    "EST5EDT,M3.2.0",
    "EST5EDT,M13.2.0,M11.1.0",
    "EST5EDT,M3.6.0,M11.1.0",
    "EST5EDT,M3.2.7,M11.1.0",
    "EST5EDT,J0,J300",
    "EST5EDT,366,300",
    "EST5EDT,M3.2.0/168,M11.1.0",
    "EST5EDT,M3.2.0,M11.1.0,",
    "EST5:60",
    "Europe/Berlin",
  ])("rejects %j", (tz) => {
    expect(parsePosixTz(tz)).toBeUndefined();
  });
});

describe("parseTzif with the system's tzdata", () => {
  const zoneFile = (zone: string): Uint8Array => readFileSync(`/usr/share/zoneinfo/${zone}`);

  // Abbreviations from glibc: TZ=<zone> date -d @<seconds> +%Z. 1955 is before most
  // current rules; 2100 is past the last transition of a "fat" file, so it takes the footer.
  it.each<[string, string, string]>([
    ["Europe/Berlin", "2026-01-15T12:00:00Z", "CET"],
    ["Europe/Berlin", "2026-07-01T12:00:00Z", "CEST"],
    ["Europe/Berlin", "1955-06-01T12:00:00Z", "CET"],
    ["Europe/Berlin", "2100-01-15T12:00:00Z", "CET"],
    ["Europe/Berlin", "2100-07-01T12:00:00Z", "CEST"],
    ["America/Chicago", "2026-01-15T12:00:00Z", "CST"],
    ["America/Chicago", "2026-07-01T12:00:00Z", "CDT"],
    ["America/Chicago", "1955-06-01T12:00:00Z", "CDT"],
    ["America/Chicago", "2100-01-15T12:00:00Z", "CST"],
    ["America/Chicago", "2100-07-01T12:00:00Z", "CDT"],
    ["Asia/Kolkata", "2026-01-15T12:00:00Z", "IST"],
    ["Asia/Kolkata", "1955-06-01T12:00:00Z", "IST"],
    ["Asia/Kolkata", "2100-07-01T12:00:00Z", "IST"],
    ["Australia/Sydney", "2026-01-15T12:00:00Z", "AEDT"],
    ["Australia/Sydney", "2026-07-01T12:00:00Z", "AEST"],
    ["Australia/Sydney", "1955-06-01T12:00:00Z", "AEST"],
    ["Australia/Sydney", "2100-01-15T12:00:00Z", "AEDT"],
    ["Australia/Sydney", "2100-07-01T12:00:00Z", "AEST"],
    ["UTC", "2026-07-01T12:00:00Z", "UTC"],
    ["UTC", "1955-06-01T12:00:00Z", "UTC"],
    ["UTC", "2100-07-01T12:00:00Z", "UTC"],
    ["Europe/Istanbul", "2026-07-01T12:00:00Z", "+03"],
    ["Asia/Kathmandu", "2026-07-01T12:00:00Z", "+0545"],
  ])("%s at %s is %s", (zone, instant, abbreviation) => {
    const local = parseTzif(zoneFile(zone))?.localTimeAt(at(instant));
    expect(local?.abbreviation).toBe(abbreviation);
    expect(local?.offsetSeconds).toBe(intlOffsetSeconds(zone, at(instant)));
  });

  it("agrees with Intl on every hour around a DST change", () => {
    const rules = parseTzif(zoneFile("America/Chicago"));
    for (let ms = at("2026-03-07T00:00:00Z"); ms < at("2026-03-10T00:00:00Z"); ms += 1_800_000) {
      expect(rules?.localTimeAt(ms).offsetSeconds).toBe(intlOffsetSeconds("America/Chicago", ms));
    }
  });

  it("gives local time type 0 before the first transition", () => {
    // Berlin's type 0 is local mean time, +0:53:28.
    const local = parseTzif(zoneFile("Europe/Berlin"))?.localTimeAt(at("1850-01-01T00:00:00Z"));
    expect(local).toEqual({ offsetSeconds: 3208, abbreviation: "LMT", isDst: false });
  });
});

interface TzifSpec {
  readonly version: 0 | 2 | 3;
  readonly times: readonly number[];
  readonly typeIndexes: readonly number[];
  readonly types: readonly (readonly [offset: number, isDst: boolean, designation: number])[];
  readonly designations: string;
  readonly footer?: string;
}

/** A TZif file as zic would write it; version 2+ repeats the data with 64-bit times. */
function buildTzif(spec: TzifSpec): Buffer {
  const header = (version: number, timecnt: number): Buffer => {
    const bytes = Buffer.alloc(44);
    bytes.write("TZif", 0, "latin1");
    bytes.writeUInt8(version === 0 ? 0 : 0x30 + version, 4);
    const counts = [0, 0, 0, timecnt, spec.types.length, spec.designations.length];
    counts.forEach((count, i) => bytes.writeUInt32BE(count, 20 + 4 * i));
    return bytes;
  };
  const data = (timeSize: 4 | 8): Buffer => {
    const times = Buffer.alloc(spec.times.length * timeSize);
    spec.times.forEach((time, i) => {
      if (timeSize === 4) times.writeInt32BE(time, i * 4);
      else times.writeBigInt64BE(BigInt(time), i * 8);
    });
    const types = Buffer.alloc(spec.types.length * 6);
    spec.types.forEach(([offset, isDst, designation], i) => {
      types.writeInt32BE(offset, i * 6);
      types.writeUInt8(isDst ? 1 : 0, i * 6 + 4);
      types.writeUInt8(designation, i * 6 + 5);
    });
    return Buffer.concat([
      times,
      Buffer.from(spec.typeIndexes),
      types,
      Buffer.from(spec.designations, "latin1"),
    ]);
  };
  const v1 = [header(spec.version, spec.times.length), data(4)];
  if (spec.version === 0) return Buffer.concat(v1);
  const footer = Buffer.from(`\n${spec.footer ?? ""}\n`, "latin1");
  return Buffer.concat([...v1, header(spec.version, spec.times.length), data(8), footer]);
}

describe("parseTzif with hand-built files", () => {
  const slim: TzifSpec = {
    version: 2,
    times: [],
    typeIndexes: [],
    types: [[3600, false, 0]],
    designations: "CET\0",
    footer: "CET-1CEST,M3.5.0,M10.5.0/3",
  };

  it("answers a slim file without transitions from its footer", () => {
    const rules = parseTzif(buildTzif(slim));
    expect(rules?.localTimeAt(at("2026-07-01T12:00:00Z"))).toEqual({
      offsetSeconds: 7200,
      abbreviation: "CEST",
      isDst: true,
    });
    expect(rules?.localTimeAt(at("2026-01-01T12:00:00Z")).abbreviation).toBe("CET");
  });

  it("uses type 0 when there are no transitions and no footer", () => {
    const rules = parseTzif(buildTzif({ ...slim, footer: "" }));
    expect(rules?.localTimeAt(at("2026-07-01T12:00:00Z")).abbreviation).toBe("CET");
  });

  const withTransitions: TzifSpec = {
    version: 0,
    times: [1000, 2000],
    typeIndexes: [1, 0],
    types: [
      [0, false, 0],
      [3600, true, 4],
    ],
    designations: "AAA\0BBB\0",
  };

  it.each<[number, string]>([
    [999, "AAA"],
    [1000, "BBB"],
    [1999, "BBB"],
    [2000, "AAA"],
    [5000, "AAA"],
  ])("reads a version 1 file: second %i is %s", (second, abbreviation) => {
    const rules = parseTzif(buildTzif(withTransitions));
    expect(rules?.localTimeAt(second * 1000).abbreviation).toBe(abbreviation);
  });

  it("uses the 64-bit block and the footer after the last transition in version 3", () => {
    const bytes = buildTzif({ ...withTransitions, version: 3, footer: "<+05>-5" });
    expect(parseTzif(bytes)?.localTimeAt(1500_000).abbreviation).toBe("BBB");
    expect(parseTzif(bytes)?.localTimeAt(2000_000).abbreviation).toBe("+05");
  });

  it.each<[string, Uint8Array]>([
    ["an empty file", new Uint8Array(0)],
    ["a file without the magic", Buffer.from("TZip2".padEnd(60, "\0"), "latin1")],
    ["a truncated file", buildTzif(withTransitions).subarray(0, 50)],
    ["a truncated version 2 file", buildTzif(slim).subarray(0, 100)],
    ["a missing footer", buildTzif(slim).subarray(0, buildTzif(slim).length - 2)],
    ["a bad footer", buildTzif({ ...slim, footer: "CET-1CEST,M13.5.0,M10.5.0" })],
    ["an unterminated designation", buildTzif({ ...slim, designations: "CET" })],
    ["a transition to a missing type", buildTzif({ ...withTransitions, typeIndexes: [1, 2] })],
    ["transitions out of order", buildTzif({ ...withTransitions, times: [2000, 1000] })],
    ["no local time types", buildTzif({ ...slim, types: [] })],
  ])("returns undefined for %s", (_name, bytes) => {
    expect(parseTzif(bytes)).toBeUndefined();
  });
});

describe("loadZoneRules", () => {
  const berlin = readFileSync("/usr/share/zoneinfo/Europe/Berlin");
  const summer = at("2026-07-01T12:00:00Z");

  /** A reader over a few fake files that records what was asked for. */
  function fakeSource(env: Record<string, string>, files: Record<string, Uint8Array>) {
    const reads: string[] = [];
    const source: ZoneSource = {
      env,
      readFile: (path) => {
        reads.push(path);
        const bytes = files[path];
        if (bytes === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
        return bytes;
      },
    };
    return { source, reads };
  }

  const abbreviation = (timeZone: string | undefined, source: ZoneSource): string | undefined =>
    loadZoneRules(timeZone, source)?.localTimeAt(summer).abbreviation;

  it("reads /etc/localtime when TZ is unset", () => {
    const { source, reads } = fakeSource({}, { "/etc/localtime": berlin });
    expect(abbreviation(undefined, source)).toBe("CEST");
    expect(reads).toEqual(["/etc/localtime"]);
  });

  it("uses UTC for an empty TZ, without reading anything", () => {
    const { source, reads } = fakeSource({ TZ: "" }, {});
    expect(abbreviation(undefined, source)).toBe("UTC");
    expect(reads).toEqual([]);
  });

  it.each([":Europe/Berlin", "Europe/Berlin"])("reads the zone file for TZ=%s", (tz) => {
    const { source, reads } = fakeSource(
      { TZ: tz },
      { "/usr/share/zoneinfo/Europe/Berlin": berlin },
    );
    expect(abbreviation(undefined, source)).toBe("CEST");
    expect(reads).toEqual(["/usr/share/zoneinfo/Europe/Berlin"]);
  });

  it("reads an absolute path and honours TZDIR", () => {
    const absolute = fakeSource({ TZ: ":/tmp/zone" }, { "/tmp/zone": berlin });
    expect(abbreviation(undefined, absolute.source)).toBe("CEST");
    const tzdir = fakeSource({ TZ: "Berlin", TZDIR: "/opt/tz" }, { "/opt/tz/Berlin": berlin });
    expect(abbreviation(undefined, tzdir.source)).toBe("CEST");
  });

  it("parses TZ as a POSIX string when there is no such zone file", () => {
    const { source, reads } = fakeSource({ TZ: "EST5EDT,M3.2.0,M11.1.0" }, {});
    expect(abbreviation(undefined, source)).toBe("EDT");
    expect(reads).toEqual(["/usr/share/zoneinfo/EST5EDT,M3.2.0,M11.1.0"]);
  });

  it("reads an explicit zone from the zoneinfo directory, ignoring TZ", () => {
    const { source, reads } = fakeSource({ TZ: "JST-9" }, { "/zi/Europe/Berlin": berlin });
    expect(abbreviation("Europe/Berlin", { ...source, zoneinfoDir: "/zi" })).toBe("CEST");
    expect(reads).toEqual(["/zi/Europe/Berlin"]);
  });

  it.each<[string | undefined, Record<string, string>]>([
    ["../../etc/passwd", {}],
    ["/etc/localtime", {}],
    ["Mars/Olympus_Mons", {}],
    [undefined, { TZ: "../../etc/passwd" }],
    [undefined, { TZ: "Mars/Olympus_Mons" }],
    [undefined, {}],
  ])("returns undefined for zone %j with env %j", (timeZone, env) => {
    const { source, reads } = fakeSource(env, {});
    expect(loadZoneRules(timeZone, source)).toBeUndefined();
    expect(reads.some((path) => path.includes(".."))).toBe(false);
  });

  it("returns undefined for a corrupt zone file", () => {
    const { source } = fakeSource({}, { "/etc/localtime": berlin.subarray(0, 300) });
    expect(loadZoneRules(undefined, source)).toBeUndefined();
  });

  it("reads the real disk by default", () => {
    expect(loadZoneRules("Asia/Kolkata")?.localTimeAt(summer).abbreviation).toBe("IST");
  });
});
