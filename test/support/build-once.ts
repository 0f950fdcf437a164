import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Vitest global setup of the e2e project: build dist/ unless it is newer than src/, and make
 * the commands executable as `npm run build` does.
 */
export default function setup(): void {
  const entry = join("dist", "cli", "cback.js");
  if (!existsSync(entry) || statSync(entry).mtimeMs < newestMtime("src")) {
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
  }
  execFileSync(process.execPath, ["scripts/mark-bins-executable.mjs"], { stdio: "inherit" });
}
