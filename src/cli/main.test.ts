import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTestConfig } from "../../test/support/config-builder.js";
import { tempDir } from "../../test/support/temp-dir.js";
import { main, type CliIo } from "./main.js";
import { isSupportedNode } from "./version.js";

function io(overrides: Partial<CliIo> = {}) {
  let stdout = "";
  let stderr = "";
  const value: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { PATH: "/usr/bin:/bin" },
    nodeVersion: "v20.20.2",
    pid: 4242,
    isRoot: false,
    signal: new AbortController().signal,
    now: () => new Date("2026-11-26T16:12:27Z"),
    ...overrides,
  };
  return { io: value, out: () => stdout, err: () => stderr };
}

describe("main, in process", () => {
  it.each([
    ["v18.19.0", false],
    ["v19.9.0", false],
    ["v20.0.0", true],
    ["v22.11.0", true],
    ["v24.1.0", true],
    ["garbage", false],
  ])("isSupportedNode(%s) = %s", (version, supported) => {
    expect(isSupportedNode(version)).toBe(supported);
  });

  it("exit 1 on a Node.js that is too old, before anything else", async () => {
    const t = io({ nodeVersion: "v18.19.0" });
    expect(await main(["--version"], t.io)).toBe(1);
    expect(t.err()).toBe("cback requires Node.js 20 or later (this is v18.19.0).\n");
    expect(t.out()).toBe("");
  });

  it("help wins over version and diagnostics", async () => {
    const t = io();
    expect(await main(["-V", "-D", "-h"], t.io)).toBe(0);
    expect(t.err()).toContain("Usage: cback");
    expect(t.out()).toBe("");
  });

  it("runs validate with injected IO and clock, and logs Cedar's start lines", async () => {
    const dir = tempDir();
    const config = writeTestConfig(dir);
    const t = io({ env: { PATH: "/usr/bin:/bin", CBACK_LOCK_DIR: dir } });
    expect(await main(["-c", config, "-l", join(dir, "log"), "-b", "validate"], t.io)).toBe(0);
    expect(t.out().split("\n").slice(0, 3)).toEqual([
      "Cedar Backup run started.",
      `Options were [--verbose --config "${config}" --logfile "${join(dir, "log")}" "validate" ]`,
      `Logfile is [${join(dir, "log")}]`,
    ]);
    expect(t.out()).toContain("Timestamp.....: Thu Nov 26 16:12:27 2026 UTC");
    expect(t.out()).toContain("Cedar Backup run completed with status 0.");
  });

  it("an already aborted run is reported as interrupted (exit 5)", async () => {
    const dir = tempDir();
    const config = writeTestConfig(dir, {
      extra: `<extensions><action><name>a</name><module>${join(process.cwd(), "test/fixtures/extensions/record.mjs")}</module><function>a</function><index>1</index></action></extensions>`,
    });
    const controller = new AbortController();
    controller.abort();
    const t = io({
      env: { PATH: "/usr/bin:/bin", CBACK_LOCK_DIR: dir },
      signal: controller.signal,
    });
    expect(await main(["-c", config, "-l", join(dir, "log"), "a"], t.io)).toBe(5);
    expect(t.out()).toContain("Backup interrupted.");
  });
});
