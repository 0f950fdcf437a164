import { spawn } from "node:child_process";
import { resolve } from "node:path";

/** What a spawned CLI did. */
export interface CliResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Absolute path of a built bin entry (`dist/cli/<name>.js`). */
export function binPath(name = "cback"): string {
  return resolve("dist", "cli", `${name}.js`);
}

/**
 * Run the built CLI as a separate process, as cron would: no terminal, no input.
 * `env` is added to a minimal environment (PATH, HOME, TZ=UTC unless given).
 */
export function spawnCli(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; bin?: string; timeoutMs?: number } = {},
): Promise<CliResult> & { pid?: number; kill: (signal: NodeJS.Signals) => void } {
  const child = spawn(process.execPath, [binPath(options.bin), ...args], {
    cwd: options.cwd,
    env: {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      HOME: process.env["HOME"] ?? "/root",
      TZ: "UTC",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolvePromise({ status, signal, stdout, stderr });
    });
  });
  return Object.assign(done, {
    ...(child.pid === undefined ? {} : { pid: child.pid }),
    kill: (signal: NodeJS.Signals) => child.kill(signal),
  });
}
