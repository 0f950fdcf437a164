import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { actionContext } from "../../test/support/collect-context.js";
import { listTar, type TarMember } from "../../test/support/tar-listing.js";
import { tempDir } from "../../test/support/temp-dir.js";
import type { CollectConfig, Config } from "../config/types.js";
import { buildNormalizedPath } from "../domain/collect-plan.js";
import { decodeDigestPickle } from "../domain/pickle.js";
import { collectAction } from "./collect.js";

const SAMPLES = "test/fixtures/cedar-samples/collect-incr";
// 2026-11-23 is a Monday (start of week for starting_day monday); 2026-11-26 a Thursday.
const MONDAY = new Date(2026, 10, 23, 12, 0, 0);
const THURSDAY = new Date(2026, 10, 26, 12, 0, 0);

function configFor(root: string, collect: Partial<CollectConfig>): Config {
  mkdirSync(join(root, "work"), { recursive: true });
  mkdirSync(join(root, "collect"), { recursive: true });
  return {
    options: {
      startingDay: "monday",
      workingDir: join(root, "work"),
      backupUser: "backup",
      backupGroup: "backup",
      rcpCommand: "/usr/bin/scp -B",
    },
    collect: { targetDir: join(root, "collect"), ignoreFile: ".cbignore", ...collect },
  };
}

function digestOf(root: string, dir: string, prefix: string): Record<string, string> {
  const map = decodeDigestPickle(
    readFileSync(join(root, "work", `${buildNormalizedPath(dir)}.sha`)),
  );
  return Object.fromEntries([...map.entries()].map(([k, v]) => [k.slice(prefix.length), v]));
}

function goldenDigest(day: string): Record<string, string> {
  const map = decodeDigestPickle(readFileSync(join(SAMPLES, day, "srv-sample-tree-docs.sha")));
  return Object.fromEntries(map.entries());
}

/** Members without the temp-dir prefix, sorted, link mtimes dropped (made at extraction). */
function comparable(members: readonly TarMember[], prefix = ""): TarMember[] {
  return members
    .map((m) => ({ ...m, name: m.name.slice(prefix.length), mtime: m.type === "l" ? 0 : m.mtime }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

describe("collect reproduces Cedar's golden two-day incremental sample", () => {
  it("day 1 (--full) and day 2 give the same members and digests as cback3", async () => {
    const root = tempDir();
    execFileSync("tar", ["-xf", join(SAMPLES, "tree-day1.tar"), "-C", root]);
    const docs = join(root, "srv/sample/tree/docs");
    const config = configFor(root, {
      collectMode: "incr",
      archiveMode: "tar",
      collectDirs: [{ absPath: docs }],
    });
    const tarName = `${buildNormalizedPath(docs)}.tar`;
    const prefix = `${root.slice(1)}/`;

    await collectAction(actionContext(config, { now: THURSDAY, full: true }).ctx);
    expect(digestOf(root, docs, root)).toEqual(goldenDigest("day1"));
    expect(comparable(listTar(join(root, "collect", tarName)), prefix)).toEqual(
      comparable(listTar(join(SAMPLES, "day1", "srv-sample-tree-docs.tar"))),
    );
    expect(existsSync(join(root, "collect", "cback.collect"))).toBe(true);

    writeFileSync(join(docs, "a.txt"), "alpha v2\n");
    utimesSync(join(docs, "a.txt"), 1700100000, 1700100000);
    writeFileSync(join(docs, "sub/new.txt"), "new\n");
    utimesSync(join(docs, "sub/new.txt"), 1700100000, 1700100000);
    await collectAction(actionContext(config, { now: THURSDAY }).ctx);
    expect(digestOf(root, docs, root)).toEqual(goldenDigest("day2"));
    expect(comparable(listTar(join(root, "collect", tarName)), prefix)).toEqual(
      comparable(listTar(join(SAMPLES, "day2", "srv-sample-tree-docs.tar"))),
    );
  });
});

describe("collect modes over a week", () => {
  function tree(root: string) {
    const src = join(root, "src");
    mkdirSync(join(src, "sub"), { recursive: true });
    writeFileSync(join(src, "keep.txt"), "keep\n");
    writeFileSync(join(src, "change.txt"), "v1\n");
    writeFileSync(join(src, "delete.txt"), "bye\n");
    writeFileSync(join(src, "sub", "touched.txt"), "same\n");
    symlinkSync("keep.txt", join(src, "link"));
    return src;
  }
  const names = (root: string, file: string) =>
    listTar(join(root, "collect", file))
      .map((m) => m.name.slice(root.length - 1))
      .sort();

  it("incr: full on the start of week, then exactly the changed and new files plus links", async () => {
    const root = tempDir();
    const src = tree(root);
    const config = configFor(root, {
      collectMode: "incr",
      archiveMode: "targz",
      collectDirs: [{ absPath: src }],
    });
    const file = `${buildNormalizedPath(src)}.tar.gz`;
    await collectAction(actionContext(config, { now: MONDAY }).ctx);
    expect(names(root, file)).toEqual([
      "/src/change.txt",
      "/src/delete.txt",
      "/src/keep.txt",
      "/src/link",
      "/src/sub/touched.txt",
    ]);

    writeFileSync(join(src, "change.txt"), "v2\n");
    writeFileSync(join(src, "new.txt"), "new\n");
    rmSync(join(src, "delete.txt"));
    utimesSync(join(src, "sub", "touched.txt"), new Date(), new Date());
    await collectAction(actionContext(config, { now: THURSDAY }).ctx);
    expect(names(root, file)).toEqual(["/src/change.txt", "/src/link", "/src/new.txt"]);
    expect(Object.keys(digestOf(root, src, join(root, "src"))).sort()).toEqual([
      "/change.txt",
      "/keep.txt",
      "/new.txt",
      "/sub/touched.txt",
    ]);

    await collectAction(actionContext(config, { now: THURSDAY }).ctx);
    // Nothing changed since: only the link, which Cedar never digests and always includes.
    expect(names(root, file)).toEqual(["/src/link"]);
    rmSync(join(src, "link"));
    await collectAction(actionContext(config, { now: THURSDAY }).ctx);
    // Now nothing at all is new: no tarfile is written and the previous one stays (as Cedar).
    expect(names(root, file)).toEqual(["/src/link"]);
  });

  it("incr with dereference: a file reached twice is digested and archived once", async () => {
    const root = tempDir();
    const src = join(root, "src");
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, "target.txt"), "target\n");
    symlinkSync("target.txt", join(src, "alias"));
    const config = configFor(root, {
      collectMode: "incr",
      archiveMode: "tar",
      collectDirs: [{ absPath: src, linkDepth: 1, dereference: true }],
    });
    const file = `${buildNormalizedPath(src)}.tar`;
    await collectAction(actionContext(config, { now: MONDAY }).ctx);
    expect(names(root, file)).toEqual(["/src/alias", "/src/target.txt"]);
    expect(Object.keys(digestOf(root, src, src))).toEqual(["/target.txt"]);
    writeFileSync(join(src, "target.txt"), "changed\n");
    await collectAction(actionContext(config, { now: THURSDAY }).ctx);
    expect(names(root, file)).toEqual(["/src/alias", "/src/target.txt"]);
    await collectAction(actionContext(config, { now: THURSDAY }).ctx);
    expect(names(root, file)).toEqual(["/src/alias"]);
  });

  it("weekly items are collected only on the start of the week or with --full; daily always", async () => {
    const root = tempDir();
    const src = tree(root);
    const config = configFor(root, {
      archiveMode: "tar",
      collectDirs: [{ absPath: src, collectMode: "weekly" }],
      collectFiles: [{ absPath: join(src, "keep.txt"), collectMode: "daily" }],
    });
    const weekly = `${buildNormalizedPath(src)}.tar`;
    const daily = `${buildNormalizedPath(join(src, "keep.txt"))}.tar`;
    await collectAction(actionContext(config, { now: THURSDAY }).ctx);
    expect(readdirSync(join(root, "collect")).sort()).toEqual(["cback.collect", daily].sort());
    await collectAction(actionContext(config, { now: THURSDAY, full: true }).ctx);
    expect(readdirSync(join(root, "collect")).sort()).toEqual(
      ["cback.collect", daily, weekly].sort(),
    );
    expect(names(root, daily)).toEqual(["/src/keep.txt"]);
  });

  it.each(["tar", "targz", "tarbz2"] as const)(
    "archive mode %s gives Cedar's name and a readable archive",
    async (mode) => {
      const root = tempDir();
      const src = tree(root);
      const config = configFor(root, {
        collectMode: "daily",
        archiveMode: mode,
        collectDirs: [{ absPath: `${src}/` }],
      });
      await collectAction(actionContext(config, { now: THURSDAY }).ctx);
      const ext = { tar: "tar", targz: "tar.gz", tarbz2: "tar.bz2" }[mode];
      // A configured trailing slash is kept in the name (Cedar's `usr-local-` rule).
      const file = `${buildNormalizedPath(`${src}/`)}.${ext}`;
      expect(file.endsWith(`-.${ext}`)).toBe(true);
      expect(names(root, file)).toHaveLength(5);
    },
  );
});

describe("collect selection rules end to end", () => {
  const names = (root: string, file: string) =>
    listTar(join(root, "collect", file))
      .map((m) => m.name.slice(root.length - 1))
      .sort();

  it("recursion_level 1 gives each subdirectory its own tarfile and carves it out of the parent", async () => {
    const root = tempDir();
    const tree = join(root, "tree");
    for (const dir of ["a/deep", "c", "ignored"]) mkdirSync(join(tree, dir), { recursive: true });
    writeFileSync(join(tree, "top.txt"), "t");
    writeFileSync(join(tree, "a", "a.txt"), "a");
    writeFileSync(join(tree, "a", "deep", "d.txt"), "d");
    writeFileSync(join(tree, "c", "c.txt"), "c");
    writeFileSync(join(tree, "ignored", ".cbignore"), "");
    writeFileSync(join(tree, "ignored", "x.txt"), "x");
    const config = configFor(root, {
      collectMode: "daily",
      archiveMode: "tar",
      collectDirs: [{ absPath: tree, recursionLevel: 1 }],
    });
    await collectAction(actionContext(config, { now: THURSDAY }).ctx);
    const base = buildNormalizedPath(tree);
    expect(readdirSync(join(root, "collect")).sort()).toEqual(
      ["cback.collect", `${base}-a.tar`, `${base}-c.tar`, `${base}.tar`].sort(),
    );
    expect(names(root, `${base}-a.tar`)).toEqual(["/tree/a/a.txt", "/tree/a/deep/d.txt"]);
    expect(names(root, `${base}.tar`)).toEqual(["/tree/top.txt"]);
  });

  it("exclusions: collect-level and dir-level paths, rel_paths, patterns and the ignore file", async () => {
    const root = tempDir();
    const src = join(root, "src");
    for (const dir of ["keep", "abs", "rel", "cache", "quiet"])
      mkdirSync(join(src, dir), { recursive: true });
    for (const dir of ["keep", "abs", "rel", "cache", "quiet"])
      writeFileSync(join(src, dir, "f.txt"), dir);
    writeFileSync(join(src, "keep", "notes.tmp"), "tmp");
    writeFileSync(join(src, "quiet", ".cbignore"), "");
    const config = configFor(root, {
      collectMode: "daily",
      archiveMode: "tar",
      absoluteExcludePaths: [join(src, "abs")],
      excludePatterns: [".*\\.tmp"],
      collectDirs: [{ absPath: src, relativeExcludePaths: ["rel"], excludePatterns: [".*/cache"] }],
    });
    await collectAction(actionContext(config, { now: THURSDAY }).ctx);
    expect(names(root, `${buildNormalizedPath(src)}.tar`)).toEqual(["/src/keep/f.txt"]);
  });

  it("a configured directory that does not exist fails the action, naming it", async () => {
    const root = tempDir();
    const config = configFor(root, {
      collectMode: "daily",
      archiveMode: "tar",
      collectDirs: [{ absPath: join(root, "nope") }],
    });
    await expect(collectAction(actionContext(config, { now: THURSDAY }).ctx)).rejects.toThrow(
      join(root, "nope"),
    );
  });

  it("an empty selection writes no tarfile (Cedar), but still the indicator", async () => {
    const root = tempDir();
    mkdirSync(join(root, "empty"));
    const config = configFor(root, {
      collectMode: "daily",
      archiveMode: "targz",
      collectDirs: [{ absPath: join(root, "empty") }],
    });
    await collectAction(actionContext(config, { now: THURSDAY }).ctx);
    expect(readdirSync(join(root, "collect"))).toEqual(["cback.collect"]);
  });
});

describe("the stat cache (beyond Cedar)", () => {
  function setup(statCache?: boolean) {
    const root = tempDir();
    const src = join(root, "src");
    mkdirSync(src);
    writeFileSync(join(src, "a.txt"), "alpha\n");
    writeFileSync(join(src, "b.txt"), "beta\n");
    const old = new Date(Date.now() - 3_600_000);
    for (const f of ["a.txt", "b.txt"]) utimesSync(join(src, f), old, old);
    const config = configFor(root, {
      collectMode: "incr",
      archiveMode: "tar",
      ...(statCache === undefined ? {} : { statCache }),
      collectDirs: [{ absPath: src }],
    });
    const sha = join(root, "work", `${buildNormalizedPath(src)}.sha`);
    return { root, src, config, sha, cache: `${sha}-cache` };
  }
  // Files changed in the last seconds before a run are never cached (a later change within
  // the same timestamp tick would go unseen), so these runs happen "a minute later".
  const later = () => new Date(Date.now() + 60_000);
  const sha1 = (text: string) =>
    execFileSync("sha1sum", { input: text, encoding: "utf8" }).split(" ")[0];

  it("an unchanged file is not read again: its cached digest is reused", async () => {
    const { src, config, sha, cache } = setup();
    await collectAction(actionContext(config, { now: later(), full: true }).ctx);
    expect(existsSync(cache)).toBe(true);
    const digest = () => Object.fromEntries(decodeDigestPickle(readFileSync(sha)).entries());
    expect(digest()[join(src, "a.txt")]).toBe(sha1("alpha\n"));
    // Swap the cache for one whose digest of a.txt is different: if the file were read, the
    // true digest would come back.
    const { decodeStatCache, encodeStatCache } = await import("../domain/stat-cache.js");
    const entries = [...decodeStatCache(readFileSync(cache))].map((e) =>
      e.path.endsWith("a.txt") ? { ...e, digest: Buffer.alloc(20, 7) } : e,
    );
    writeFileSync(cache, encodeStatCache(entries));
    await collectAction(actionContext(config, { now: later() }).ctx);
    expect(digest()[join(src, "a.txt")]).toBe("07".repeat(20));
    expect(digest()[join(src, "b.txt")]).toBe(sha1("beta\n"));
  });

  it("<stat_cache>N hashes every file, as Cedar, and writes no cache", async () => {
    const { src, config, sha, cache } = setup(false);
    await collectAction(actionContext(config, { now: later(), full: true }).ctx);
    expect(existsSync(cache)).toBe(false);
    const digest = Object.fromEntries(decodeDigestPickle(readFileSync(sha)).entries());
    expect(digest[join(src, "a.txt")]).toBe(sha1("alpha\n"));
  });

  it("a changed file of the same size and mtime is still seen (ctime moves)", async () => {
    const { root, src, config } = setup();
    await collectAction(actionContext(config, { now: later(), full: true }).ctx);
    const before = readFileSync(join(src, "a.txt"));
    writeFileSync(join(src, "a.txt"), "ALPHA\n");
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(join(src, "a.txt"), old, old);
    expect(readFileSync(join(src, "a.txt")).length).toBe(before.length);
    await collectAction(actionContext(config, { now: later() }).ctx);
    const members = listTar(join(root, "collect", `${buildNormalizedPath(src)}.tar`)).map(
      (m) => m.name,
    );
    expect(members).toEqual([join(src, "a.txt").slice(1)]);
  });

  it("a corrupt cache just means hashing again", async () => {
    const { src, config, sha, cache } = setup();
    await collectAction(actionContext(config, { now: later(), full: true }).ctx);
    writeFileSync(cache, "garbage");
    await collectAction(actionContext(config, { now: later() }).ctx);
    const digest = Object.fromEntries(decodeDigestPickle(readFileSync(sha)).entries());
    expect(digest[join(src, "b.txt")]).toBe(sha1("beta\n"));
  });
});

describe("collect outputs", () => {
  it("get Cedar's modes (0666 less the umask) and the indicator is written last", async () => {
    const root = tempDir();
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "src", "a"), "a");
    const config = configFor(root, {
      collectMode: "incr",
      archiveMode: "targz",
      collectDirs: [{ absPath: join(root, "src") }],
    });
    await collectAction(actionContext(config, { now: THURSDAY }).ctx);
    const probe = join(root, "probe");
    writeFileSync(probe, "");
    const expected = statSync(probe).mode & 0o777;
    const archive = join(root, "collect", `${buildNormalizedPath(join(root, "src"))}.tar.gz`);
    expect(statSync(archive).mode & 0o777).toBe(expected);
    expect(statSync(join(root, "collect", "cback.collect")).size).toBe(0);
  });

  it("a missing collect directory is a clear action error", async () => {
    const root = tempDir();
    const config = configFor(root, {
      collectMode: "daily",
      archiveMode: "tar",
      collectDirs: [{ absPath: root }],
    });
    const broken = {
      ...config,
      collect: { ...config.collect, targetDir: join(root, "nocollect") },
    };
    await expect(collectAction(actionContext(broken, { now: THURSDAY }).ctx)).rejects.toThrow(
      /collect directory ".*nocollect" does not exist or is not a directory: create it/,
    );
  });
});
