import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { isProcessAlive, processStartTime } from "./process-probe.js";

/** The pid of a process that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn("sh", ["-c", "exit 0"]);
  await new Promise((resolve) => child.once("close", resolve));
  if (child.pid === undefined) throw new Error("sh did not start");
  return child.pid;
}

async function fakeProc(entries: Record<number, string>, withSelf = true): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "cback-proc-"));
  onTestFinished(() => rm(root, { recursive: true, force: true }));
  if (withSelf) await mkdir(join(root, "self"));
  for (const [pid, stat] of Object.entries(entries)) {
    await mkdir(join(root, pid));
    await writeFile(join(root, pid, "stat"), stat);
  }
  return root;
}

// Fields 3 to 22 of a stat line, starting with the state.
const statTail = (state: string, start: string) =>
  `${state} 1 1 1 0 -1 4194560 100 0 0 0 1 1 0 0 20 0 1 0 ${start} 1000 100`;

describe("isProcessAlive", () => {
  it("sees this process and not a reaped one", async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(await deadPid())).toBe(false);
  });

  it("rejects impossible pids", () => {
    expect(isProcessAlive(0)).toBe(false);
    expect(isProcessAlive(-1)).toBe(false);
    expect(isProcessAlive(1.5)).toBe(false);
  });

  it("counts a zombie as gone", async () => {
    const root = await fakeProc({
      10: `10 (worker) ${statTail("Z", "5")}`,
      11: `11 (w) ${statTail("S", "6")}`,
    });
    expect(isProcessAlive(10, root)).toBe(false);
    expect(isProcessAlive(11, root)).toBe(true);
    expect(isProcessAlive(12, root)).toBe(false);
  });

  it("answers unknown without a mounted /proc", async () => {
    const root = await fakeProc({}, false);
    expect(isProcessAlive(12, root)).toBe("unknown");
  });
});

describe("processStartTime", () => {
  it("reads field 22 of this process's stat, the same each time", () => {
    const token = processStartTime(process.pid);
    expect(token).toMatch(/^\d+$/);
    expect(processStartTime(process.pid)).toBe(token);
  });

  it("parses a command name containing spaces and parentheses", async () => {
    const root = await fakeProc({ 42: `42 (my (odd) name) ${statTail("S", "987654")}` });
    expect(processStartTime(42, root)).toBe("987654");
  });

  it("is undefined for a missing process or a malformed stat", async () => {
    const root = await fakeProc({ 43: "garbage" });
    expect(processStartTime(43, root)).toBeUndefined();
    expect(processStartTime(44, root)).toBeUndefined();
    expect(processStartTime(await deadPid())).toBeUndefined();
  });
});
