/**
 * The processes a child started, read from `/proc`, so that stopping a command stops what
 * it runs too. `su -c` is the reason: it runs the command's shell in a session of its own
 * and passes a SIGTERM to that shell only, so the scp the shell started would go on.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Parent pid of each process, from `/proc/<pid>/stat` (field 4). */
function parentsOf(procRoot: string): Map<number, number[]> {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return children;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(join(procRoot, entry, "stat"), "utf8");
    } catch {
      continue; // it ended meanwhile
    }
    // `pid (comm) state ppid ...`: comm may hold spaces and parentheses.
    const fields = stat
      .slice(stat.lastIndexOf(")") + 1)
      .trim()
      .split(/\s+/);
    const parent = Number(fields[1]);
    if (!Number.isSafeInteger(parent)) continue;
    const siblings = children.get(parent);
    if (siblings === undefined) children.set(parent, [Number(entry)]);
    else siblings.push(Number(entry));
  }
  return children;
}

/**
 * Every process below `pid` (children, their children, ...), parents before their children.
 * Empty where `/proc` is not mounted, or when `pid` has none.
 *
 * @param procRoot where procfs is mounted; a real option so tests can point at a tree.
 */
export function descendantPids(pid: number, procRoot = "/proc"): number[] {
  const children = parentsOf(procRoot);
  const found: number[] = [];
  const seen = new Set<number>([pid]);
  for (let queue = [pid]; queue.length > 0;) {
    const next: number[] = [];
    for (const parent of queue) {
      for (const child of children.get(parent) ?? []) {
        if (seen.has(child)) continue;
        seen.add(child);
        found.push(child);
        next.push(child);
      }
    }
    queue = next;
  }
  return found;
}
