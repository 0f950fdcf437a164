import { describe, expect, it } from "vitest";
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
    ["Asia/Kolkata", WINTER, "2026-11-26T21:42:27 +0530"],
    ["Asia/Kathmandu", WINTER, "2026-11-26T21:57:27 +0545"],
    ["Europe/Istanbul", WINTER, "2026-11-26T19:12:27 +03"],
    ["America/Sao_Paulo", WINTER, "2026-11-26T13:12:27 -03"],
    ["Pacific/Auckland", WINTER, "2026-11-27T05:12:27 +13"],
  ])("%s at %s", (zone, date, expected) => {
    expect(createTimestampFormatter(zone)(date)).toBe(expected);
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
