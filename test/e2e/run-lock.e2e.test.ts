import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTestConfig } from "../support/config-builder.js";
import { spawnCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";
import { waitFor } from "../support/wait-for.js";

const RECORD = resolve("test/fixtures/extensions/record.mjs");

describe("the run lock of the built cback", () => {
  it("refuses a second run of the same configuration, and takes over after kill -9", async () => {
    const dir = tempDir();
    const config = writeTestConfig(dir, {
      extra: `<extensions>
        <action><name>slow</name><module>${RECORD}</module><function>idle</function><index>1</index></action>
        <action><name>quick</name><module>${RECORD}</module><function>a</function><index>2</index></action>
      </extensions>`,
      optionsExtra: `<pre_action_hook><action>slow</action><command>sleep 30</command></pre_action_hook>`,
    });
    const env = { CBACK_LOCK_DIR: dir };
    const args = (action: string) => ["-c", config, "-l", join(dir, "cback.log"), action];
    const lockFile = () => readdirSync(dir).find((name) => name.endsWith(".lock"));

    const first = spawnCli(args("slow"), { env });
    await waitFor(() => readFileSync(join(dir, "cback.log"), "utf8").includes("pre-action hook"));
    expect(lockFile()).toBeDefined();

    const second = await spawnCli(args("quick"), { env });
    expect(second.status).toBe(6);
    expect(second.stdout).toContain(`pid ${first.pid}`);
    expect(second.stdout).toMatch(/another cback run holds the lock/);

    first.kill("SIGKILL");
    await first;
    const third = await spawnCli([...args("quick").slice(0, -1), "--verbose", "quick"], { env });
    expect(third.status).toBe(0);
    expect(third.stdout).toMatch(/stale lock/);
    expect(readFileSync(join(dir, "work", "order.log"), "utf8")).toBe("a\n");
    expect(lockFile()).toBeUndefined();
  });

  it("validate does not take the lock", async () => {
    const dir = tempDir();
    const config = writeTestConfig(dir);
    const r = await spawnCli(["-c", config, "-l", join(dir, "cback.log"), "validate"], {
      env: { CBACK_LOCK_DIR: dir },
    });
    expect(r.status).toBe(0);
    expect(readdirSync(dir).filter((name) => name.includes("lock"))).toEqual([]);
  });
});
