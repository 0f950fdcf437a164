import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * What this module can say about a process: it exists, it does not, or the system offers no
 * way to tell (no `/proc`).
 */
export type ProcessLiveness = boolean | "unknown";

/**
 * Whether process `pid` exists on this host, read from `/proc/<pid>/stat`, so that fs/ needs
 * no access to the `process` global (only cli/ may touch it). A zombie counts as gone: it
 * has exited and holds nothing. Returns "unknown" where `/proc` is not mounted (macOS,
 * BSD). Caveat: with `/proc` mounted `hidepid=2`, other users' processes look gone; the CLI
 * may pass a probe built on `process.kill(pid, 0)` instead (EPERM means alive).
 *
 * @param procRoot where procfs is mounted; a real option so tests can point at a tree.
 */
export function isProcessAlive(pid: number, procRoot = "/proc"): ProcessLiveness {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  const stat = readStat(pid, procRoot);
  if (stat !== undefined) {
    const state = statFields(stat)?.[0];
    return state !== "Z" && state !== "X";
  }
  return existsSync(join(procRoot, "self")) ? false : "unknown";
}

/**
 * When process `pid` started, as an opaque token (field 22 of `/proc/<pid>/stat`: clock
 * ticks since boot). A pid reused by a new process gets a different token. Undefined when
 * the process does not exist or `/proc` is unavailable.
 */
export function processStartTime(pid: number, procRoot = "/proc"): string | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const stat = readStat(pid, procRoot);
  // Fields after the command name start at field 3, so field 22 is index 19.
  const token = stat === undefined ? undefined : statFields(stat)?.[19];
  return token !== undefined && /^\d+$/.test(token) ? token : undefined;
}

function readStat(pid: number, procRoot: string): string | undefined {
  try {
    return readFileSync(join(procRoot, String(pid), "stat"), "utf8");
  } catch {
    return undefined;
  }
}

/** The fields after `pid (comm)`; comm may itself contain spaces and parentheses. */
function statFields(stat: string): string[] | undefined {
  const end = stat.lastIndexOf(")");
  if (end < 0) return undefined;
  return stat
    .slice(end + 1)
    .trim()
    .split(/\s+/);
}
