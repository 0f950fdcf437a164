import { spawn } from "node:child_process";
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it, onTestFinished } from "vitest";
import { LockedError } from "../errors/cback-error.js";
import { createMemoryLogger } from "../log/logger.js";
import { processStartTime } from "./process-probe.js";
import {
  acquireRunLock,
  defaultLockDir,
  runLockPath,
  RunLockError,
  type RunLockOptions,
} from "./run-lock.js";

const HOST = hostname();
const STARTED = new Date("2026-11-26T17:00:00.250Z");

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cback-lock-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function deadPid(): Promise<number> {
  const child = spawn("sh", ["-c", "exit 0"]);
  await new Promise((resolve) => child.once("close", resolve));
  if (child.pid === undefined) throw new Error("sh did not start");
  return child.pid;
}

function lockOptions(lockPath: string, extra: Partial<RunLockOptions> = {}) {
  const logger = createMemoryLogger();
  const options: RunLockOptions = {
    lockPath,
    pid: process.pid,
    hostname: HOST,
    startedAt: STARTED,
    logger,
    ...extra,
  };
  return { options, logger, warnings: () => logger.records.filter((r) => r.level === "warn") };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("acquireRunLock", () => {
  it("creates the lock file with the holder's facts and removes it on release", async () => {
    const dir = await tempDir();
    const lockPath = join(dir, "sub", "cback.lock");
    const { options } = lockOptions(lockPath);
    const lock = await acquireRunLock(options);
    expect(lock.path).toBe(lockPath);
    expect(JSON.parse(await readFile(lockPath, "utf8"))).toEqual({
      pid: process.pid,
      hostname: HOST,
      startedAt: "2026-11-26T17:00:00Z",
      processStartTime: processStartTime(process.pid),
    });
    expect(await readdir(dirname(lockPath))).toEqual(["cback.lock"]);
    await lock.release();
    await lock.release();
    expect(await readdir(dirname(lockPath))).toEqual([]);
    const again = await acquireRunLock(options);
    await again.release();
  });

  it("refuses a second run while the holder lives, naming the holder", async () => {
    const dir = await tempDir();
    const lockPath = join(dir, "cback.lock");
    const first = await acquireRunLock(lockOptions(lockPath).options);
    const error = await rejection(
      acquireRunLock(lockOptions(lockPath, { pid: 4_000_000 }).options),
    );
    expect(error).toBeInstanceOf(LockedError);
    expect(error instanceof LockedError ? error.exitCode : undefined).toBe(6);
    expect(error.message).toBe(
      `another cback run holds the lock ${lockPath}: pid ${process.pid} on host ${HOST}, started 2026-11-26T17:00:00Z; wait for it to finish`,
    );
    expect(await readdir(dir)).toEqual(["cback.lock"]);
    await first.release();
  });

  it("takes over a lock whose process no longer exists, with a warning", async () => {
    const dir = await tempDir();
    const lockPath = join(dir, "cback.lock");
    const gone = await deadPid();
    await acquireRunLock(lockOptions(lockPath, { pid: gone }).options);
    const { options, warnings } = lockOptions(lockPath);
    const lock = await acquireRunLock(options);
    expect(warnings()).toEqual([
      {
        level: "warn",
        message: `took over a stale lock left by pid ${gone} (started 2026-11-26T17:00:00Z): that process no longer exists`,
      },
    ]);
    expect(JSON.parse(await readFile(lockPath, "utf8"))).toMatchObject({ pid: process.pid });
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it("treats a live pid with another start time as a reused pid, hence stale", async () => {
    const dir = await tempDir();
    const lockPath = join(dir, "cback.lock");
    await acquireRunLock(lockOptions(lockPath, { processStartTime: () => "1" }).options);
    const { options, warnings } = lockOptions(lockPath);
    const lock = await acquireRunLock(options);
    expect(warnings()[0]?.message).toContain(`pid ${process.pid} now belongs to another process`);
    await lock.release();
  });

  it("never takes over a lock from another host and says how to remove it", async () => {
    const dir = await tempDir();
    const lockPath = join(dir, "cback.lock");
    await acquireRunLock(lockOptions(lockPath, { hostname: "elsewhere", pid: 1 }).options);
    const error = await rejection(acquireRunLock(lockOptions(lockPath).options));
    expect(error).toBeInstanceOf(LockedError);
    expect(error.message).toContain("pid 1 on host elsewhere");
    expect(error.message).toContain("another host");
    expect(error.message).toContain(`remove ${lockPath}`);
  });

  it("refuses when liveness cannot be checked, suggesting removal", async () => {
    const dir = await tempDir();
    const lockPath = join(dir, "cback.lock");
    await acquireRunLock(lockOptions(lockPath, { pid: 77 }).options);
    const { options } = lockOptions(lockPath, { isProcessAlive: () => "unknown" });
    const error = await rejection(acquireRunLock(options));
    expect(error).toBeInstanceOf(LockedError);
    expect(error.message).toContain("cannot check processes on this system");
  });

  it("refuses a lock file that is not a cback lock", async () => {
    const dir = await tempDir();
    const lockPath = join(dir, "cback.lock");
    await writeFile(lockPath, "12345\n");
    const error = await rejection(acquireRunLock(lockOptions(lockPath).options));
    expect(error).toBeInstanceOf(LockedError);
    expect(error.message).toBe(
      `the run lock ${lockPath} exists but is not a cback lock file; if no cback run is active, remove it`,
    );
  });

  it.each([
    ["a free lock", false],
    ["a stale lock", true],
  ])("lets exactly one of 10 concurrent acquisitions win %s", async (_label, stale) => {
    const dir = await tempDir();
    const lockPath = join(dir, "cback.lock");
    if (stale) await acquireRunLock(lockOptions(lockPath, { pid: await deadPid() }).options);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => acquireRunLock(lockOptions(lockPath).options)),
    );
    const winners = results.filter((result) => result.status === "fulfilled");
    expect(winners).toHaveLength(1);
    for (const result of results) {
      if (result.status === "rejected") expect(result.reason).toBeInstanceOf(LockedError);
    }
    expect(await readdir(dir)).toEqual(["cback.lock"]);
  });

  it("removes a takeover file left by a crashed run once it is a minute old", async () => {
    const dir = await tempDir();
    const lockPath = join(dir, "cback.lock");
    await acquireRunLock(lockOptions(lockPath, { pid: await deadPid() }).options);
    await writeFile(`${lockPath}.takeover`, "");
    const old = new Date(Date.now() - 120_000);
    await utimes(`${lockPath}.takeover`, old, old);
    const lock = await acquireRunLock(lockOptions(lockPath).options);
    expect(await readdir(dir)).toEqual(["cback.lock"]);
    await lock.release();
  });

  it("waits while another takeover is in progress", async () => {
    const dir = await tempDir();
    const lockPath = join(dir, "cback.lock");
    await acquireRunLock(lockOptions(lockPath, { pid: await deadPid() }).options);
    await writeFile(`${lockPath}.takeover`, "");
    setTimeout(() => void rm(`${lockPath}.takeover`), 150);
    const started = Date.now();
    const lock = await acquireRunLock(lockOptions(lockPath).options);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    await lock.release();
  });

  it("does not remove on release a lock that another run took over", async () => {
    const dir = await tempDir();
    const lockPath = join(dir, "cback.lock");
    const { options, warnings } = lockOptions(lockPath);
    const lock = await acquireRunLock(options);
    await rm(lockPath);
    await writeFile(lockPath, JSON.stringify({ pid: 5, hostname: HOST, startedAt: "x" }));
    await lock.release();
    expect(await readdir(dir)).toEqual(["cback.lock"]);
    expect(warnings()[0]?.message).toBe(
      `the run lock ${lockPath} now belongs to another run; left it in place`,
    );
  });

  it("reports an unusable lock directory as RunLockError", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "file"), "");
    const error = await rejection(acquireRunLock(lockOptions(join(dir, "file", "x.lock")).options));
    expect(error).toBeInstanceOf(RunLockError);
    expect(error.message).toContain("set CBACK_LOCK_DIR to a writable directory");
  });

  it("is taken over after its holder process is killed with SIGKILL", async () => {
    const dir = await tempDir();
    const lockPath = join(dir, "cback.lock");
    const script = await buildLockChild(dir);
    const child = spawn(process.execPath, [script, lockPath], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    onTestFinished(() => {
      child.kill("SIGKILL");
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once("data", () => {
        resolve();
      });
      child.once("exit", (code) => {
        reject(new Error(`lock child exited early with ${String(code)}`));
      });
    });
    const refused = await rejection(acquireRunLock(lockOptions(lockPath).options));
    expect(refused.message).toContain(`pid ${String(child.pid)} on host ${HOST}`);

    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    const { options, warnings } = lockOptions(lockPath);
    const lock = await acquireRunLock(options);
    expect(warnings()[0]?.message).toContain(`stale lock left by pid ${String(child.pid)}`);
    await lock.release();
  }, 20_000);
});

/**
 * Node 20 cannot run TypeScript, so the child gets this module transpiled to JavaScript.
 * The child takes the lock, says so on stdout, and waits to be killed.
 */
async function buildLockChild(dir: string): Promise<string> {
  const src = fileURLToPath(new URL("..", import.meta.url));
  const out = join(dir, "child");
  const modules = [
    "fs/run-lock.ts",
    "fs/process-probe.ts",
    "fs/atomic-write.ts",
    "errors/cback-error.ts",
    "errors/exit-codes.ts",
  ];
  for (const module of modules) {
    const source = await readFile(join(src, module), "utf8");
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    await mkdir(dirname(join(out, module)), { recursive: true });
    await writeFile(join(out, module.replace(/\.ts$/, ".js")), outputText);
  }
  await writeFile(join(out, "package.json"), '{ "type": "module" }\n');
  const script = join(out, "hold-lock.js");
  await writeFile(
    script,
    `import { hostname } from "node:os";
import { acquireRunLock } from "./fs/run-lock.js";
const quiet = () => undefined;
await acquireRunLock({
  lockPath: process.argv[2], pid: process.pid, hostname: hostname(), startedAt: new Date(),
  logger: { debug: quiet, info: quiet, warn: quiet, error: quiet, output: quiet },
});
process.stdout.write("locked\\n");
setInterval(quiet, 60_000);
`,
  );
  return script;
}

describe("runLockPath", () => {
  it("hashes the real path of the configuration", async () => {
    const dir = await tempDir();
    const config = join(dir, "cback.conf");
    await writeFile(config, "<cb_config/>");
    await symlink(config, join(dir, "link.conf"));
    const direct = await runLockPath(config, "/run/lock");
    expect(direct).toMatch(/^\/run\/lock\/cback-[0-9a-f]{16}\.lock$/);
    expect(await runLockPath(join(dir, "link.conf"), "/run/lock")).toBe(direct);
    expect(await runLockPath(join(dir, ".", "x", "..", "cback.conf"), "/run/lock")).toBe(direct);
    expect(await runLockPath(join(dir, "other.conf"), "/run/lock")).not.toBe(direct);
  });
});

describe("defaultLockDir", () => {
  it("prefers CBACK_LOCK_DIR, then a writable system lock dir, then the temp dir", async () => {
    const dir = await tempDir();
    expect(await defaultLockDir({ CBACK_LOCK_DIR: "/srv/locks" }, dir)).toBe("/srv/locks");
    expect(await defaultLockDir({ CBACK_LOCK_DIR: "" }, dir)).toBe(dir);
    expect(await defaultLockDir({}, join(dir, "missing"))).toBe(tmpdir());
    await writeFile(join(dir, "file"), "");
    expect(await defaultLockDir({}, join(dir, "file"))).toBe(tmpdir());
  });
});
