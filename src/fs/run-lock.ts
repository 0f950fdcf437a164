import { createHash, randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, link, mkdir, open, readFile, realpath, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CbackError, LockedError } from "../errors/cback-error.js";
import { ExitCode } from "../errors/exit-codes.js";
import type { Logger } from "../log/logger.js";
import { syncDirectory } from "./atomic-write.js";
import { isProcessAlive, processStartTime, type ProcessLiveness } from "./process-probe.js";

/** What a lock file records about the run holding it (stored as one line of JSON). */
export interface RunLockHolder {
  readonly pid: number;
  readonly hostname: string;
  /** When the run started, ISO 8601 UTC to the second. */
  readonly startedAt: string;
  /** Start time token of the holder's process (see `processStartTime`), when known. */
  readonly processStartTime?: string;
}

/** Options of {@link acquireRunLock}. The caller (cli/) supplies the process facts. */
export interface RunLockOptions {
  /** The lock file; see {@link runLockPath}. Its directory is created when missing. */
  readonly lockPath: string;
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: Date;
  readonly logger: Logger;
  /** Default: {@link isProcessAlive} on `/proc`. */
  readonly isProcessAlive?: (pid: number) => ProcessLiveness;
  /** Default: {@link processStartTime} on `/proc`. */
  readonly processStartTime?: (pid: number) => string | undefined;
  /** Clock used to age a leftover takeover file. Default: the system clock. */
  readonly now?: () => Date;
}

/** A held run lock. */
export interface RunLock {
  readonly path: string;
  /**
   * Remove the lock file if it is still the one this run created. Idempotent; never throws
   * (a lock that cannot be removed, or is no longer ours, is reported with logger.warn).
   */
  release(): Promise<void>;
}

/** The run lock could not be created or inspected (exit 6: no action ran). */
export class RunLockError extends CbackError {
  readonly exitCode = ExitCode.ActionFailed;
}

/** A `.takeover` file older than this was left by a crashed run and is removed. */
const TAKEOVER_STALE_MS = 60_000;
const TAKEOVER_BUSY_RETRY_MS = 20;

type Verdict =
  | { readonly kind: "held"; readonly why: "alive" | "other-host" | "unknown" | "unreadable" }
  | { readonly kind: "stale"; readonly why: string };

/**
 * Take the run lock, so that two cback runs against one configuration never overlap (Cedar
 * has no such lock; see docs/decisions/0004-run-lock.md). The lock file is created by
 * `link()`ing a fully written temporary file to `lockPath`, which is atomic and fails when
 * the lock exists. A lock left by a process of this host that no longer exists, or whose
 * pid now belongs to a process with another start time, is taken over with a warning; an
 * exclusive `<lock>.takeover` file makes simultaneous takeovers safe.
 *
 * @throws LockedError when a live run holds the lock, when the holder cannot be checked
 *   (another host, no `/proc`) or the lock file is not a cback lock; the message names the
 *   holder and says what to do.
 * @throws RunLockError when the lock file cannot be created or read.
 */
export async function acquireRunLock(options: RunLockOptions): Promise<RunLock> {
  const { lockPath, logger } = options;
  const alive = options.isProcessAlive ?? ((pid: number) => isProcessAlive(pid));
  const startTime = options.processStartTime ?? ((pid: number) => processStartTime(pid));
  const now = options.now ?? (() => new Date());
  const ownStartTime = startTime(options.pid);
  const ours: RunLockHolder = {
    pid: options.pid,
    hostname: options.hostname,
    startedAt: isoSeconds(options.startedAt),
    ...(ownStartTime === undefined ? {} : { processStartTime: ownStartTime }),
  };
  const content = `${JSON.stringify(ours)}\n`;
  const candidate = await guard(lockPath, "create", () =>
    writeCandidate(lockPath, options.pid, content),
  );
  try {
    const { ino, dev } = await guard(lockPath, "create", () => stat(candidate));
    const handle = (): RunLock => createHandle(lockPath, content, ino, dev, logger);
    const deadline = now().getTime() + TAKEOVER_STALE_MS * 2;
    for (;;) {
      if (await guard(lockPath, "create", () => tryLink(candidate, lockPath))) {
        await guard(lockPath, "create", () => syncDirectory(dirname(lockPath)));
        return handle();
      }
      const current = await guard(lockPath, "read", () => readText(lockPath));
      // Released between our link() and our read: try again.
      if (current === undefined) continue;
      const holder = parseHolder(current);
      const verdict = judge(holder, ours, alive, startTime);
      if (verdict.kind === "held")
        throw new LockedError(heldMessage(lockPath, holder, verdict.why));
      const outcome = await guard(lockPath, "take over", () =>
        takeOver(lockPath, candidate, current, now),
      );
      if (outcome === "taken") {
        logger.warn(
          `took over a stale lock left by pid ${holder?.pid ?? "?"} (started ${holder?.startedAt ?? "?"}): ${verdict.why}`,
        );
        return handle();
      }
      if (outcome === "busy") {
        if (now().getTime() > deadline) {
          throw new LockedError(
            `another cback run is taking over the stale lock ${lockPath}; try again later`,
          );
        }
        await sleep(TAKEOVER_BUSY_RETRY_MS);
      }
    }
  } finally {
    await rm(candidate, { force: true });
  }
}

/**
 * The lock file of one configuration: `<lockDir>/cback-<16 hex>.lock`, the hex being the
 * start of the SHA-256 of the configuration's real path, so every spelling of the path
 * (symlinks, `..`) gives the same lock. A configuration that does not exist (yet) is
 * hashed by its absolute path.
 */
export async function runLockPath(configPath: string, lockDir: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(configPath);
  } catch {
    real = resolve(configPath);
  }
  const hash = createHash("sha256").update(real).digest("hex").slice(0, 16);
  return join(lockDir, `cback-${hash}.lock`);
}

/**
 * Where run locks go: `$CBACK_LOCK_DIR` when set, else `/run/lock` when it is a writable
 * directory, else the temporary directory (never the working directory, which users purge).
 *
 * @param systemLockDir the system lock directory; `/run/lock` on Linux (FHS).
 */
export async function defaultLockDir(
  env: Readonly<Record<string, string | undefined>>,
  systemLockDir = "/run/lock",
): Promise<string> {
  const configured = env["CBACK_LOCK_DIR"];
  if (configured !== undefined && configured !== "") return configured;
  try {
    if ((await stat(systemLockDir)).isDirectory()) {
      await access(systemLockDir, constants.W_OK);
      return systemLockDir;
    }
  } catch {
    // Not there or not writable: fall back to the temporary directory.
  }
  return tmpdir();
}

function judge(
  holder: RunLockHolder | undefined,
  ours: RunLockHolder,
  alive: (pid: number) => ProcessLiveness,
  startTime: (pid: number) => string | undefined,
): Verdict {
  if (holder === undefined) return { kind: "held", why: "unreadable" };
  if (holder.hostname !== ours.hostname) return { kind: "held", why: "other-host" };
  const liveness = alive(holder.pid);
  if (liveness === "unknown") return { kind: "held", why: "unknown" };
  if (!liveness) return { kind: "stale", why: "that process no longer exists" };
  if (holder.processStartTime !== undefined) {
    const current = startTime(holder.pid);
    if (current !== undefined && current !== holder.processStartTime) {
      return { kind: "stale", why: `pid ${holder.pid} now belongs to another process` };
    }
  }
  return { kind: "held", why: "alive" };
}

function heldMessage(
  lockPath: string,
  holder: RunLockHolder | undefined,
  why: "alive" | "other-host" | "unknown" | "unreadable",
): string {
  if (holder === undefined || why === "unreadable") {
    return `the run lock ${lockPath} exists but is not a cback lock file; if no cback run is active, remove it`;
  }
  const base = `another cback run holds the lock ${lockPath}: pid ${holder.pid} on host ${holder.hostname}, started ${holder.startedAt}; wait for it to finish`;
  switch (why) {
    case "alive":
      return base;
    case "other-host":
      return `${base} (the lock was taken on another host, so cback cannot check that run; it may be stale: if no cback run is active there, remove ${lockPath})`;
    case "unknown":
      return `${base} (cback cannot check processes on this system; it may be stale: if no cback run is active, remove ${lockPath})`;
  }
}

async function takeOver(
  lockPath: string,
  candidate: string,
  staleContent: string,
  now: () => Date,
): Promise<"taken" | "busy" | "retry"> {
  const mutex = `${lockPath}.takeover`;
  try {
    await (await open(mutex, "wx", 0o644)).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const info = await stat(mutex).catch(() => undefined);
    if (info !== undefined && now().getTime() - info.mtimeMs > TAKEOVER_STALE_MS) {
      await rm(mutex, { force: true });
      return "retry";
    }
    return "busy";
  }
  try {
    // Someone may have taken the lock over (or released it) since we judged it stale.
    if ((await readText(lockPath)) !== staleContent) return "retry";
    await rm(lockPath, { force: true });
    return (await tryLink(candidate, lockPath)) ? "taken" : "retry";
  } finally {
    await rm(mutex, { force: true });
  }
}

function createHandle(
  lockPath: string,
  content: string,
  ino: number,
  dev: number,
  logger: Logger,
): RunLock {
  let released = false;
  return {
    path: lockPath,
    async release(): Promise<void> {
      if (released) return;
      released = true;
      try {
        const current = await readText(lockPath);
        const info = await stat(lockPath).catch(() => undefined);
        if (current === undefined) {
          logger.warn(`the run lock ${lockPath} was removed while this run held it`);
        } else if (current !== content || info?.ino !== ino || info.dev !== dev) {
          logger.warn(`the run lock ${lockPath} now belongs to another run; left it in place`);
        } else {
          await rm(lockPath, { force: true });
        }
      } catch (error) {
        logger.warn(`cannot remove the run lock ${lockPath}: ${(error as Error).message}`);
      }
    },
  };
}

async function writeCandidate(lockPath: string, pid: number, content: string): Promise<string> {
  await mkdir(dirname(lockPath), { recursive: true });
  const candidate = `${lockPath}.${pid}.${randomBytes(6).toString("hex")}.tmp`;
  const file = await open(candidate, "wx", 0o644);
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
  return candidate;
}

async function tryLink(candidate: string, lockPath: string): Promise<boolean> {
  try {
    await link(candidate, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function parseHolder(text: string): RunLockHolder | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const { pid, hostname, startedAt, processStartTime: token } = record;
  if (typeof pid !== "number" || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (typeof hostname !== "string" || typeof startedAt !== "string") return undefined;
  if (token !== undefined && typeof token !== "string") return undefined;
  return { pid, hostname, startedAt, ...(token === undefined ? {} : { processStartTime: token }) };
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

async function guard<T>(lockPath: string, verb: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof CbackError) throw error;
    throw new RunLockError(
      `cannot ${verb} the run lock ${lockPath}: ${(error as Error).message}; check the permissions of ${dirname(lockPath)} or set CBACK_LOCK_DIR to a writable directory`,
      { cause: error },
    );
  }
}
