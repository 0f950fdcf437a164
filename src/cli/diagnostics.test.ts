import { describe, expect, it } from "vitest";
import {
  currentDiagnosticsInfo,
  describePlatform,
  diagnosticsLines,
  diagnosticsText,
  diagnosticsTimestamp,
  localeLanguage,
  type DiagnosticsInfo,
} from "./diagnostics.js";

const INFO: DiagnosticsInfo = {
  version: "0.1.0",
  nodeVersion: "v20.20.2",
  platform: "linux (Linux 6.1.0-18-amd64 x86_64)",
  encoding: "utf-8",
  locale: "en_US",
  now: new Date(Date.UTC(2026, 10, 26, 16, 12, 27)),
};

describe("diagnosticsLines", () => {
  it("sorts, title-cases and dot-pads the keys", () => {
    expect(diagnosticsLines(INFO)).toMatchInlineSnapshot(`
      [
        "Encoding......: utf-8",
        "Interpreter...: Node.js v20.20.2",
        "Locale........: en_US",
        "Platform......: linux (Linux 6.1.0-18-amd64 x86_64)",
        "Timestamp.....: Thu Nov 26 16:12:27 2026 UTC",
        "Version.......: Cedar Backup for Node.js 0.1.0",
      ]
    `);
  });

  it("prefixes every line", () => {
    expect(
      diagnosticsLines(INFO, "   ").every(
        (line) => line.startsWith("   ") && !line.startsWith("    "),
      ),
    ).toBe(true);
  });
});

describe("diagnosticsText", () => {
  it("prints a header and indented lines", () => {
    expect(diagnosticsText(INFO)).toMatchInlineSnapshot(`
      "
      Diagnostics:

         Encoding......: utf-8
         Interpreter...: Node.js v20.20.2
         Locale........: en_US
         Platform......: linux (Linux 6.1.0-18-amd64 x86_64)
         Timestamp.....: Thu Nov 26 16:12:27 2026 UTC
         Version.......: Cedar Backup for Node.js 0.1.0

      "
    `);
  });
});

describe("diagnosticsTimestamp", () => {
  it.each<[Date, string]>([
    [new Date(Date.UTC(2026, 10, 26, 16, 12, 27)), "Thu Nov 26 16:12:27 2026 UTC"],
    [new Date(Date.UTC(2026, 10, 6, 4, 2, 7)), "Fri Nov  6 04:02:07 2026 UTC"],
    [new Date(Date.UTC(2000, 0, 1, 0, 0, 0)), "Sat Jan  1 00:00:00 2000 UTC"],
    [new Date(Date.UTC(1999, 11, 31, 23, 59, 59)), "Fri Dec 31 23:59:59 1999 UTC"],
  ])("%s", (date, expected) => {
    expect(diagnosticsTimestamp(date)).toBe(expected);
  });
});

describe("localeLanguage", () => {
  it.each<[Record<string, string | undefined>, string]>([
    [{}, "C"],
    [{ LANG: "en_US.UTF-8" }, "en_US"],
    [{ LANG: "de_DE@euro" }, "de_DE"],
    [{ LANG: "en_US.UTF-8", LC_CTYPE: "fr_FR.UTF-8" }, "fr_FR"],
    [{ LANG: "en_US.UTF-8", LC_CTYPE: "fr_FR.UTF-8", LC_ALL: "C.UTF-8" }, "C"],
    [{ LC_ALL: "", LANG: "pt_BR" }, "pt_BR"],
    [{ LANG: "POSIX" }, "POSIX"],
  ])("%j", (env, expected) => {
    expect(localeLanguage(env)).toBe(expected);
  });
});

describe("currentDiagnosticsInfo", () => {
  it("describes this process", () => {
    const info = currentDiagnosticsInfo("9.9.9", { LANG: "en_GB.UTF-8" }, INFO.now);
    expect(info.nodeVersion).toMatch(/^v\d+\.\d+\.\d+/);
    expect(info.platform).toMatch(/^\w+ \(\S+ \S+ \S+\)$/);
    expect(info).toMatchObject({
      version: "9.9.9",
      encoding: "utf-8",
      locale: "en_GB",
      now: INFO.now,
    });
  });

  it("formats the platform like Cedar", () => {
    expect(describePlatform("linux", "Linux", "6.1.0", "x86_64")).toBe(
      "linux (Linux 6.1.0 x86_64)",
    );
  });
});
