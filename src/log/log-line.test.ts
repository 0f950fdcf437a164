import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import type { LogLevel } from "./logger.js";
import { createTimestampFormatter, createZoneAbbreviation, formatLogLine } from "./log-line.js";

const WINTER = new Date(Date.UTC(2026, 10, 26, 16, 12, 27));
const SUMMER = new Date(Date.UTC(2026, 6, 1, 12, 0, 0));

describe("formatLogLine", () => {
  it.each<[LogLevel, string]>([
    ["debug", "2026-11-26T16:12:27 UTC --> [DEBUG  ] message"],
    ["info", "2026-11-26T16:12:27 UTC --> [INFO   ] message"],
    ["warn", "2026-11-26T16:12:27 UTC --> [WARNING] message"],
    ["error", "2026-11-26T16:12:27 UTC --> [ERROR  ] message"],
  ])("%s", (level, expected) => {
    expect(formatLogLine("2026-11-26T16:12:27 UTC", level, "message")).toBe(expected);
  });
});

describe("createTimestampFormatter", () => {
  it.each<[string, Date, string]>([
    ["UTC", WINTER, "2026-11-26T16:12:27 UTC"],
    ["Etc/UTC", WINTER, "2026-11-26T16:12:27 UTC"],
    ["UTC", new Date(Date.UTC(2026, 0, 1, 0, 0, 0)), "2026-01-01T00:00:00 UTC"],
    ["America/New_York", WINTER, "2026-11-26T11:12:27 EST"],
    ["America/New_York", SUMMER, "2026-07-01T08:00:00 EDT"],
    ["America/Los_Angeles", new Date(Date.UTC(2026, 0, 1, 7, 59, 59)), "2025-12-31T23:59:59 PST"],
    ["Europe/Berlin", WINTER, "2026-11-26T17:12:27 CET"],
    ["Europe/Berlin", SUMMER, "2026-07-01T14:00:00 CEST"],
    ["Europe/London", WINTER, "2026-11-26T16:12:27 GMT"],
    ["Europe/London", SUMMER, "2026-07-01T13:00:00 BST"],
    // The C library prints IST, tzdata's abbreviation; the Intl approximation gave +0530.
    ["Asia/Kolkata", WINTER, "2026-11-26T21:42:27 IST"],
    ["Asia/Kathmandu", WINTER, "2026-11-26T21:57:27 +0545"],
    ["Europe/Istanbul", WINTER, "2026-11-26T19:12:27 +03"],
    ["America/Sao_Paulo", WINTER, "2026-11-26T13:12:27 -03"],
    // The C library prints NZDT, tzdata's abbreviation; the Intl approximation gave +13.
    ["Pacific/Auckland", WINTER, "2026-11-27T05:12:27 NZDT"],
  ])("%s at %s", (zone, date, expected) => {
    expect(createTimestampFormatter(zone)(date)).toBe(expected);
  });

  it("follows TZ by default, as the C library does", () => {
    const readFile = (): Uint8Array => {
      throw new Error("ENOENT");
    };
    const format = createTimestampFormatter(undefined, {
      env: { TZ: "CET-1CEST,M3.5.0,M10.5.0/3" },
      readFile,
    });
    expect(format(SUMMER)).toBe("2026-07-01T14:00:00 CEST");
    expect(createTimestampFormatter(undefined, { env: { TZ: "" }, readFile })(WINTER)).toBe(
      "2026-11-26T16:12:27 UTC",
    );
  });

  it("reads /etc/localtime once per formatter, not once per line", () => {
    const berlin = readFileSync("/usr/share/zoneinfo/Europe/Berlin");
    const readFile = vi.fn((path: string): Uint8Array => {
      expect(path).toBe("/etc/localtime");
      return berlin;
    });
    const format = createTimestampFormatter(undefined, { env: {}, readFile });
    expect([format(WINTER), format(SUMMER)]).toEqual([
      "2026-11-26T17:12:27 CET",
      "2026-07-01T14:00:00 CEST",
    ]);
    expect(readFile).toHaveBeenCalledTimes(1);
  });

  it("does not use Intl when the zone file is readable", () => {
    const intl = vi.spyOn(Intl, "DateTimeFormat");
    expect(createTimestampFormatter("Europe/Berlin")(WINTER)).toBe("2026-11-26T17:12:27 CET");
    expect(createZoneAbbreviation("Europe/Berlin")(WINTER)).toBe("CET");
    expect(intl).not.toHaveBeenCalled();
  });

  it("falls back to Intl, without throwing, when the zone file is corrupt", () => {
    const corrupt = readFileSync("/usr/share/zoneinfo/Asia/Kolkata").subarray(0, 100);
    const format = createTimestampFormatter("Asia/Kolkata", { readFile: () => corrupt });
    // Intl's approximation of %Z, not the C library's IST: the fallback ran.
    expect(format(WINTER)).toBe("2026-11-26T21:42:27 +0530");
  });

  it("falls back to Intl when there is no tzdata", () => {
    // The spy shows that the no-Intl test above would see a call (a spied Intl constructor
    // returns objects without Intl's methods, so this formatter is not called).
    const intl = vi.spyOn(Intl, "DateTimeFormat");
    createTimestampFormatter("Asia/Kolkata", { zoneinfoDir: "/nonexistent" });
    expect(intl).toHaveBeenCalled();
    intl.mockRestore();
    const format = createTimestampFormatter("Asia/Kolkata", { zoneinfoDir: "/nonexistent" });
    expect(format(WINTER)).toBe("2026-11-26T21:42:27 +0530");
  });

  it("throws a RangeError for an invalid Date, as the Intl formatter did", () => {
    expect(() => createTimestampFormatter("UTC")(new Date(Number.NaN))).toThrow(RangeError);
  });

  it("throws a RangeError for a zone neither tzdata nor Intl knows, as before", () => {
    expect(() => createTimestampFormatter("Mars/Olympus_Mons")).toThrow(RangeError);
  });

  it("uses the local zone by default", () => {
    expect(createTimestampFormatter()(WINTER)).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d [A-Za-z0-9+-]+$/,
    );
  });
});

describe("createZoneAbbreviation", () => {
  it("follows daylight saving time", () => {
    const abbreviation = createZoneAbbreviation("America/Chicago");
    expect([abbreviation(WINTER), abbreviation(SUMMER)]).toEqual(["CST", "CDT"]);
  });
});
