import { describe, expect, it } from "vitest";
import {
  buildNormalizedPath,
  collectTargets,
  deriveDayOfWeek,
  digestFileName,
  isStartOfWeek,
  shouldCollect,
  shouldResetDigest,
  tarfileName,
  type ArchiveMode,
  type CollectMode,
  type CollectTarget,
} from "./collect-plan.js";

describe("buildNormalizedPath", () => {
  it.each([
    ["/etc", "etc"],
    ["/var/log", "var-log"],
    ["/home/user/.profile", "home-user-.profile"],
    ["/.hidden", "_hidden"],
    ["/a b/c\td", "a_b-c_d"],
    ["/x:y", "x_y"],
    ["/usr/local/", "usr-local-"],
    ["//double", "-double"],
    ["/", "_"],
    ["\\", "_"],
    ["", ""],
    ["relative/path", "relative-path"],
    [".dot/start", "_dot-start"],
    ["\\server\\share", "server-share"],
    ["/\\both", "both"],
    ["c:\\Windows\\System32", "c-Windows-System32"],
    ["C:/Program Files", "C-Program_Files"],
    ["c:", "c_"],
    ["/c:/x", "c_-x"],
    ["cd:/x", "cd_-x"],
    ["/a\u00a0b\u2003c\u3000d", "a_b_c_d"],
    ["/sep\x1cfile\x85x", "sep_file_x"],
    ["/bom\ufeffkept", "bom\ufeffkept"],
    ["/tmp/caf\udce9", "tmp-caf\udce9"],
  ])("%j becomes %j", (path, normalized) => {
    expect(buildNormalizedPath(path)).toBe(normalized);
  });
});

describe("archive and digest names", () => {
  it.each<[string, ArchiveMode, string]>([
    ["/etc", "tar", "etc.tar"],
    ["/etc", "targz", "etc.tar.gz"],
    ["/etc", "tarbz2", "etc.tar.bz2"],
    ["/usr/local/", "tar", "usr-local-.tar"],
    ["/", "targz", "_.tar.gz"],
    ["/srv/tree/a", "tarbz2", "srv-tree-a.tar.bz2"],
  ])("%s in %s mode is archived as %s", (path, mode, name) => {
    expect(tarfileName(path, mode)).toBe(name);
  });

  it.each([
    ["/etc", "etc.sha"],
    ["/home/user/.profile", "home-user-.profile.sha"],
    ["/", "_.sha"],
  ])("%s keeps its digest in %s", (path, name) => {
    expect(digestFileName(path)).toBe(name);
  });
});

describe("days of the week", () => {
  it.each([
    ["monday", 0],
    ["Tuesday", 1],
    ["WEDNESDAY", 2],
    ["thursday", 3],
    ["friday", 4],
    ["saturday", 5],
    ["sunday", 6],
    ["mon", -1],
    ["", -1],
  ])("%j is day %i", (name, day) => {
    expect(deriveDayOfWeek(name)).toBe(day);
  });

  // 2024-01-01 was a Monday; dates are built from local fields, as Cedar uses local time.
  it.each([
    [new Date(2024, 0, 1, 0, 0, 0), "monday", true],
    [new Date(2024, 0, 1, 23, 59, 59), "monday", true],
    [new Date(2024, 0, 7, 12), "sunday", true],
    [new Date(2024, 0, 6, 12), "saturday", true],
    [new Date(2024, 0, 7, 12), "monday", false],
    [new Date(2024, 0, 2, 0, 0, 0), "monday", false],
    [new Date(2024, 0, 3), "Wednesday", true],
    [new Date(2024, 0, 1), "someday", false],
  ])("%s starts the week for %s: %s", (now, startingDay, expected) => {
    expect(isStartOfWeek(now, startingDay)).toBe(expected);
  });
});

describe("which items run", () => {
  it.each<[CollectMode, boolean, boolean, boolean]>([
    ["daily", false, false, true],
    ["incr", false, false, true],
    ["weekly", false, false, false],
    ["weekly", false, true, true],
    ["weekly", true, false, true],
    ["daily", true, true, true],
  ])("%s with full=%s startOfWeek=%s: collect %s", (mode, full, startOfWeek, expected) => {
    expect(shouldCollect(mode, { full, startOfWeek })).toBe(expected);
  });

  it.each([
    [false, false, false],
    [true, false, true],
    [false, true, true],
    [true, true, true],
  ])("full=%s startOfWeek=%s resets the digest: %s", (full, startOfWeek, expected) => {
    expect(shouldResetDigest({ full, startOfWeek })).toBe(expected);
  });
});

describe("collectTargets", () => {
  /** A fake directory tree: each key lists its immediate real subdirectories in order. */
  type Tree = Readonly<Record<string, readonly string[]>>;

  function run(tree: Tree, dir: string, level: number) {
    const listings: { dir: string; extraExcludes: readonly string[] }[] = [];
    const targets = collectTargets(dir, level, (parent, extraExcludes) => {
      listings.push({ dir: parent, extraExcludes: [...extraExcludes] });
      return (tree[parent] ?? []).map((name) => `${parent.replace(/\/$/, "")}/${name}`);
    });
    return { targets: targets.map(plain), listings };
  }

  function plain(target: CollectTarget) {
    return { path: target.path, extraExcludes: [...target.extraExcludes] };
  }

  const tree: Tree = {
    "/srv/tree": ["a", "c"],
    "/srv/tree/a": ["x"],
    "/srv/tree/a/x": [],
    "/srv/tree/c": [],
  };

  it.each<[string, string, number, CollectTarget[]]>([
    [
      "level 0 archives the directory alone",
      "/srv/tree",
      0,
      [{ path: "/srv/tree", extraExcludes: [] }],
    ],
    [
      "level 1 carves out each subdirectory, then the rest (verified Cedar example)",
      "/srv/tree",
      1,
      [
        { path: "/srv/tree/a", extraExcludes: [] },
        { path: "/srv/tree/c", extraExcludes: ["/srv/tree/a"] },
        { path: "/srv/tree", extraExcludes: ["/srv/tree/a", "/srv/tree/c"] },
      ],
    ],
    [
      "level 2 goes one level further and the exclusions persist across siblings",
      "/srv/tree",
      2,
      [
        { path: "/srv/tree/a/x", extraExcludes: [] },
        { path: "/srv/tree/a", extraExcludes: ["/srv/tree/a/x"] },
        { path: "/srv/tree/c", extraExcludes: ["/srv/tree/a/x", "/srv/tree/a"] },
        { path: "/srv/tree", extraExcludes: ["/srv/tree/a/x", "/srv/tree/a", "/srv/tree/c"] },
      ],
    ],
    [
      "a negative level reaches every leaf",
      "/srv/tree",
      -1,
      [
        { path: "/srv/tree/a/x", extraExcludes: [] },
        { path: "/srv/tree/a", extraExcludes: ["/srv/tree/a/x"] },
        { path: "/srv/tree/c", extraExcludes: ["/srv/tree/a/x", "/srv/tree/a"] },
        { path: "/srv/tree", extraExcludes: ["/srv/tree/a/x", "/srv/tree/a", "/srv/tree/c"] },
      ],
    ],
    [
      "a level deeper than the tree is the same as unlimited",
      "/srv/tree",
      5,
      [
        { path: "/srv/tree/a/x", extraExcludes: [] },
        { path: "/srv/tree/a", extraExcludes: ["/srv/tree/a/x"] },
        { path: "/srv/tree/c", extraExcludes: ["/srv/tree/a/x", "/srv/tree/a"] },
        { path: "/srv/tree", extraExcludes: ["/srv/tree/a/x", "/srv/tree/a", "/srv/tree/c"] },
      ],
    ],
    [
      "the configured path is kept verbatim, trailing slash included",
      "/srv/tree/",
      1,
      [{ path: "/srv/tree/", extraExcludes: [] }],
    ],
    [
      "a directory without subdirectories is one archive",
      "/srv/tree/c",
      -1,
      [{ path: "/srv/tree/c", extraExcludes: [] }],
    ],
  ])("%s", (_what, dir, level, expected) => {
    expect(run(tree, dir, level).targets).toEqual(expected);
  });

  it("lists each directory once, with the exclusions known at that moment", () => {
    expect(run(tree, "/srv/tree", -1).listings).toEqual([
      { dir: "/srv/tree", extraExcludes: [] },
      { dir: "/srv/tree/a", extraExcludes: [] },
      { dir: "/srv/tree/a/x", extraExcludes: [] },
      { dir: "/srv/tree/c", extraExcludes: ["/srv/tree/a/x", "/srv/tree/a"] },
    ]);
  });

  it("does not list anything at level 0", () => {
    expect(run(tree, "/srv/tree", 0).listings).toEqual([]);
  });

  it("gives each target its own snapshot of the exclusions", () => {
    const targets = collectTargets("/t", 1, (dir) => (dir === "/t" ? ["/t/a", "/t/b"] : []));
    const first = targets[0]?.extraExcludes;
    expect(first).toEqual([]);
    expect(targets[2]?.extraExcludes).toEqual(["/t/a", "/t/b"]);
    expect(targets[0]?.extraExcludes).toEqual([]);
  });
});
