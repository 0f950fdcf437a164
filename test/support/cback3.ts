import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { CliResult } from "./run-cli.js";

/** Debian's Python Cedar Backup (package `cedar-backup3`, which `.ci/run` installs). */
export const CBACK3 = "/usr/bin/cback3";

/** Fail (never skip) when the real Python `cback3` is not installed. */
export function requireCback3(): void {
  if (!existsSync(CBACK3)) {
    throw new Error(
      `${CBACK3} is missing: apt-get install -y --no-install-recommends cedar-backup3 (.ci/run does)`,
    );
  }
}

function account(user: string): { uid: number; gid: number; home: string } {
  const [, , uid = "", gid = "", , home = "/"] = execFileSync("getent", ["passwd", user], {
    encoding: "utf8",
  })
    .trim()
    .split(":");
  return { uid: Number(uid), gid: Number(gid), home };
}

/**
 * Run the real `cback3` as cron would (no terminal, TZ=UTC like our e2e runs), as the current
 * user or, when `user` is given (root only), as that local account.
 */
export function runCback3(
  args: readonly string[],
  options: { user?: string; cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  const who = options.user === undefined ? undefined : account(options.user);
  const child = spawn(CBACK3, args, {
    cwd: options.cwd ?? who?.home ?? "/",
    env: {
      PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
      HOME: who?.home ?? process.env["HOME"] ?? "/root",
      TZ: "UTC",
      LANG: "C.UTF-8",
      ...options.env,
    },
    ...(who === undefined ? {} : { uid: who.uid, gid: who.gid }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
  return new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}
