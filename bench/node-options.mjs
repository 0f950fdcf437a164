// The node options in the shebang of a built command (`#!/usr/bin/env -S node <options>`),
// so a benchmark runs cback exactly as the installed `cback` command runs.
import { readFileSync } from "node:fs";

export function shebangNodeOptions(command) {
  return (readFileSync(command, "utf8").split("\n")[0] ?? "")
    .replace(/^#!\/usr\/bin\/env -S node/, "")
    .split(" ")
    .filter((word) => word.startsWith("--"));
}
