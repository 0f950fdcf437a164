import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { descendantPids } from "./process-tree.js";

/** A fake procfs: `pid (comm) state ppid ...` per process. */
function fakeProc(processes: readonly [pid: number, comm: string, ppid: number][]): string {
  const root = mkdtempSync(join(tmpdir(), "cback-proc-"));
  onTestFinished(() => {
    rmSync(root, { recursive: true, force: true });
  });
  for (const [pid, comm, ppid] of processes) {
    mkdirSync(join(root, String(pid)));
    writeFileSync(join(root, String(pid), "stat"), `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1`);
  }
  return root;
}

describe("descendantPids", () => {
  it("finds children and their children, parents first, whatever the command names", () => {
    const proc = fakeProc([
      [1, "init", 0],
      [10, "su", 1],
      [11, "sh", 10],
      [12, "scp) S 1 (x", 11],
      [13, "ssh", 12],
      [20, "other", 1],
      [21, "child of other", 20],
    ]);
    expect(descendantPids(10, proc)).toEqual([11, 12, 13]);
    expect(descendantPids(13, proc)).toEqual([]);
    expect(descendantPids(99, proc)).toEqual([]);
  });

  it("finds nothing where /proc is missing", () => {
    expect(descendantPids(1, join(tmpdir(), "no-such-proc-root"))).toEqual([]);
  });

  it("finds a real shell's background programs", async () => {
    const shell = spawn("sh", ["-c", "sleep 30 & sleep 30 & echo started; wait"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    onTestFinished(() => {
      for (const pid of descendantPids(shell.pid ?? -1)) process.kill(pid, "SIGKILL");
      shell.kill("SIGKILL");
    });
    await new Promise((resolve) => shell.stdout.once("data", resolve));
    const found = descendantPids(shell.pid ?? -1);
    expect(found).toHaveLength(2);
  });
});
