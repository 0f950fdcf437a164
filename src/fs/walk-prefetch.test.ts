import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { entryStat, selectDirContents, type SelectOptions } from "./select-files.js";
import { DirentKind, SHARE_OF_WALK, STAT_FIELDS, WalkPrefetcher } from "./walk-prefetch.js";

let prefetcher: WalkPrefetcher | undefined;
afterEach(() => {
  prefetcher?.close();
  prefetcher = undefined;
});

/** A tree of `dirs` directories of `files` files each, plus links, a FIFO and odd names. */
function mixedTree(dirs: number, files: number): string {
  const root = tempDir("cback-prefetch-");
  for (let d = 0; d < dirs; d++) {
    const dir = `${root}/t/d${d}`;
    mkdirSync(`${dir}/sub/deeper`, { recursive: true });
    for (let f = 0; f < files; f++) writeFileSync(`${dir}/f${f}`, `${d}/${f}`);
    writeFileSync(`${dir}/sub/deeper/leaf`, "leaf");
  }
  mkdirSync(`${root}/t/skipped`);
  writeFileSync(`${root}/t/skipped/x`, "x");
  mkdirSync(`${root}/t/ignored`);
  writeFileSync(`${root}/t/ignored/.cbignore`, "");
  writeFileSync(`${root}/t/ignored/y`, "y");
  symlinkSync(`${root}/t/d0/f0`, `${root}/t/link-to-file`);
  symlinkSync(`${root}/t/d1`, `${root}/t/link-to-dir`);
  symlinkSync(`${root}/nowhere`, `${root}/t/broken`);
  writeFileSync(Buffer.from(`${root}/t/caf\xe9-latin1`, "latin1"), "latin1 name");
  writeFileSync(`${root}/t/naïve`, "utf-8 name");
  execFileSync("mkfifo", [`${root}/t/fifo`]);
  return root;
}

function walk(root: string, overrides: Partial<SelectOptions>) {
  const skipped: string[] = [];
  const entries = selectDirContents(
    `${root}/t`,
    {
      excludePaths: [`${root}/t/skipped`],
      excludePatterns: [/^.*\/f7$/],
      ignoreFile: ".cbignore",
      linkDepth: 2,
      dereference: false,
      ...overrides,
    },
    (path, reason) => skipped.push(`${path}: ${reason}`),
  );
  return {
    listed: entries.map((entry) => `${entry.kind} ${entry.path}`),
    stats: entries
      .map(entryStat)
      .map((stat) => [
        stat.mode,
        stat.uid,
        stat.gid,
        stat.size,
        stat.dev,
        stat.ino,
        stat.nlink,
        stat.mtimeMs,
        stat.ctimeMs,
      ]),
    skipped,
  };
}

describe("a walk with a helper thread", () => {
  it.each([
    ["links followed", { linkDepth: 2, dereference: false }],
    ["links dereferenced", { linkDepth: 2, dereference: true }],
    ["links kept as links", { linkDepth: 0, dereference: false }],
  ])("selects exactly what a walk on its own does: %s", (_label, overrides) => {
    const root = mixedTree(12, 10);
    const alone = walk(root, { ...overrides, prefetchAfter: Infinity });
    const helped = walk(root, { ...overrides, prefetchAfter: 0 });
    const late = walk(root, { ...overrides, prefetchAfter: 30 });
    expect(alone.listed.length).toBeGreaterThan(12 * 9);
    expect(helped).toEqual(alone);
    expect(late).toEqual(alone);
  });

  it("is not started for a small tree by default", () => {
    const root = mixedTree(2, 3);
    expect(walk(root, {})).toEqual(walk(root, { prefetchAfter: Infinity }));
  });
});

describe("WalkPrefetcher", () => {
  it("lists what it is asked for, with the lstat of each regular file", () => {
    const root = mixedTree(3, 4);
    prefetcher = WalkPrefetcher.start();
    if (prefetcher === undefined) throw new Error("no helper thread");
    const dirs = [0, 1, 2].map((d) => ({ path: `${root}/t/d${d}`, bytes: `${root}/t/d${d}` }));
    prefetcher.request(dirs);
    const listing = prefetcher.take(`${root}/t/d1`);
    if (listing === undefined) throw new Error("no listing");
    expect(listing.error).toBeUndefined();
    const names: string[] = [];
    let start = 0;
    for (let i = 0; i < listing.count; i++) {
      const end = listing.ends[i] ?? 0;
      const name = listing.names.toString("latin1", start, end);
      names.push(name);
      start = end;
      const at = i * STAT_FIELDS;
      if (name === "sub") {
        expect(listing.kinds[i]).toBe(DirentKind.directory);
        expect(listing.stats[at]).toBeNaN();
      } else {
        expect(listing.kinds[i]).toBe(DirentKind.file);
        // One file in SHARE_OF_WALK is left for the walk to lstat.
        if (i % SHARE_OF_WALK === SHARE_OF_WALK - 1) {
          expect(listing.stats[at]).toBeNaN();
          continue;
        }
        const stat = lstatSync(`${root}/t/d1/${name}`);
        expect([...listing.stats.subarray(at, at + STAT_FIELDS)]).toEqual([
          stat.mode,
          stat.uid,
          stat.gid,
          stat.size,
          stat.dev,
          stat.ino,
          stat.nlink,
          stat.mtimeMs,
          stat.ctimeMs,
        ]);
      }
    }
    expect(names.sort()).toEqual(["f0", "f1", "f2", "f3", "sub"]);
    prefetcher.discard(`${root}/t/d0`);
    expect(prefetcher.take(`${root}/t/d0`)).toBeUndefined();
    expect(prefetcher.take(`${root}/t/d2`)?.count).toBe(5);
  });

  it("leaves directories it was not asked for to the walk", () => {
    prefetcher = WalkPrefetcher.start();
    expect(prefetcher?.take("/never/asked")).toBeUndefined();
  });

  it("reports a directory it cannot list as the walk words it", () => {
    const root = tempDir("cback-prefetch-");
    prefetcher = WalkPrefetcher.start();
    prefetcher?.request([{ path: `${root}/missing`, bytes: `${root}/missing` }]);
    const listing = prefetcher?.take(`${root}/missing`);
    expect(listing?.count).toBe(0);
    expect(listing?.error).toBe("ENOENT");
  });
});
