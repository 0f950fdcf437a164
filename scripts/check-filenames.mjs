// Lint step: every file and folder under src/, test/ and bench/ is kebab-case (STYLE.md §10).
import { readdirSync } from "node:fs";
import { join } from "node:path";

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)*$/;
const roots = ["src", "test", "bench"];
const skip = new Set(["fixtures"]);
const bad = [];

function walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (skip.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (!KEBAB.test(entry.name)) bad.push(path);
    if (entry.isDirectory()) walk(path);
  }
}

for (const root of roots) walk(root);
if (bad.length > 0) {
  console.error(`file names must be kebab-case (STYLE.md §10):\n  ${bad.join("\n  ")}`);
  process.exit(1);
}
