import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { actionContext } from "../../test/support/collect-context.js";
import { tempDir } from "../../test/support/temp-dir.js";
import type { Config } from "../config/types.js";
import { ActionError } from "../errors/cback-error.js";
import { purgeAction } from "./purge.js";

const NOW = new Date("2026-11-26T12:00:00Z");
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);

function config(dirs: { absPath: string; retainDays: number }[]): Config {
  return {
    options: {
      startingDay: "monday",
      workingDir: "/tmp",
      backupUser: "b",
      backupGroup: "b",
      rcpCommand: "scp",
    },
    purge: { purgeDirs: dirs },
  };
}

function file(path: string, ageDays: number, atimeAgeDays = ageDays): void {
  writeFileSync(path, "x");
  utimesSync(path, daysAgo(atimeAgeDays), daysAgo(ageDays));
}

function listing(root: string): string[] {
  return execFileSync("find", [root, "-mindepth", "1"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.slice(root.length))
    .sort();
}

describe("purge (cedar-core.md §3.5) with an injected clock", () => {
  it("removes files at least retain_days old, by the later of atime and mtime; links always", async () => {
    const root = tempDir();
    const outside = tempDir();
    mkdirSync(join(outside, "keepme"));
    writeFileSync(join(outside, "keepme", "precious"), "p");
    file(join(root, "old"), 10);
    file(join(root, "edge"), 7);
    file(join(root, "young"), 6.5);
    file(join(root, "read-recently"), 30, 1);
    symlinkSync(join(outside, "keepme"), join(root, "fresh-link-to-dir"));
    execFileSync("mkfifo", [join(root, "fifo")]);
    await purgeAction(actionContext(config([{ absPath: root, retainDays: 7 }]), { now: NOW }).ctx);
    expect(listing(root)).toEqual(["/fifo", "/read-recently", "/young"]);
    expect(readdirSync(join(outside, "keepme"))).toEqual(["precious"]);
  });

  it("retain_days 0 removes every file; emptied directories go one level per run; the root stays", async () => {
    const root = tempDir();
    const deep = join(root, "2026", "11", "20", "peer");
    mkdirSync(deep, { recursive: true });
    file(join(deep, "a.tar.gz"), 0);
    const ctx = actionContext(config([{ absPath: root, retainDays: 0 }]), { now: NOW }).ctx;
    await purgeAction(ctx);
    expect(listing(root)).toEqual(["/2026", "/2026/11", "/2026/11/20"]);
    await purgeAction(ctx);
    expect(listing(root)).toEqual(["/2026", "/2026/11"]);
    await purgeAction(ctx);
    await purgeAction(ctx);
    expect(listing(root)).toEqual([]);
    expect(existsSync(root)).toBe(true);
  });

  it("deletes files whose names are not UTF-8", async () => {
    const root = tempDir();
    writeFileSync(Buffer.concat([Buffer.from(`${root}/caf`), Buffer.from([0xe9])]), "x");
    await purgeAction(actionContext(config([{ absPath: root, retainDays: 0 }]), { now: NOW }).ctx);
    expect(readdirSync(root)).toEqual([]);
  });

  it("a missing purge dir fails the action and the dirs after it are not purged", async () => {
    const first = tempDir();
    const last = tempDir();
    file(join(first, "old"), 30);
    file(join(last, "old"), 30);
    const run = purgeAction(
      actionContext(
        config([
          { absPath: first, retainDays: 1 },
          { absPath: join(first, "missing"), retainDays: 1 },
          { absPath: last, retainDays: 1 },
        ]),
        { now: NOW },
      ).ctx,
    );
    await expect(run).rejects.toThrow(ActionError);
    await expect(run).rejects.toThrow(
      `path is not a directory or does not exist on disk: ${join(first, "missing")}`,
    );
    expect(readdirSync(first)).toEqual([]);
    expect(readdirSync(last)).toEqual(["old"]);
  });
});
