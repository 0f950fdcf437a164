import { createHash } from "node:crypto";
import { readFileSync, utimesSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { encodeDigestPickle } from "../domain/pickle.js";
import { selectDirContents } from "../fs/select-files.js";
import { memorySink } from "../domain/byte-window.js";
import {
  compareIncremental,
  openIncremental,
  type IncrementalState,
} from "./collect-incremental.js";

const hex = (text: string): string => createHash("sha1").update(text).digest("hex");
const OLD = new Date("2020-01-01T00:00:00Z");

/** A tree of `files` (name -> content), all dated well before the run. */
function tree(files: Readonly<Record<string, string>>): string {
  const root = tempDir("cback-incr-");
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(`${root}/${name}`, content);
    utimesSync(`${root}/${name}`, OLD, OLD);
  }
  return root;
}

function stateFor(root: string, errors: string[] = []): IncrementalState {
  return {
    digestPath: `${root}.sha`,
    cachePath: `${root}.sha-cache`,
    reset: false,
    // Later than any change the test makes: the files it wrote a moment ago are cached at
    // once. (With "now", a file whose ctime falls in the same millisecond as the pass would
    // be left out of the cache, as collect does for files changed during its run, and the
    // next pass would add it: a test of "nothing changed" would then see a new cache.)
    trustBefore: Date.now() + 60_000,
    mayRepeat: false,
    onDigestError: (message) => errors.push(message),
  };
}

/** One incremental pass over `root`, saving what it produced as collect does. */
function pass(root: string, state: IncrementalState = stateFor(root)) {
  let walks = 0;
  const result = compareIncremental(() => {
    walks += 1;
    return selectDirContents(root, {
      excludePaths: [],
      excludePatterns: [],
      linkDepth: 0,
      dereference: false,
    });
  }, state);
  if (result.digest !== undefined) writeFileSync(state.digestPath, result.digest);
  if (result.cache !== undefined && state.cachePath !== undefined) {
    writeFileSync(state.cachePath, result.cache);
  }
  return {
    ...result,
    changedNames: result.changed.map((e) => e.path.slice(root.length + 1)),
    walks,
  };
}

describe("compareIncremental", () => {
  it("writes nothing new when nothing changed, and reads no file", () => {
    const root = tree({ a: "1", b: "2", c: "3" });
    const first = pass(root);
    expect(first.changedNames.sort()).toEqual(["a", "b", "c"]);
    expect(first.digest).toBeDefined();
    const second = pass(root);
    expect(second.changedNames).toEqual([]);
    expect(second.digest).toBeUndefined();
    expect(second.cache).toBeUndefined();
    expect(second.walks).toBe(1);
  });

  it("finds a changed file and writes the digest full hashing gives", () => {
    const root = tree({ a: "1", b: "2", c: "3" });
    pass(root);
    writeFileSync(`${root}/b`, "changed");
    const second = pass(root);
    expect(second.changedNames).toEqual(["b"]);
    const names = selectDirContents(root, {
      excludePaths: [],
      excludePatterns: [],
      linkDepth: 0,
      dereference: false,
    }).map((e) => e.path);
    const content: Record<string, string> = { a: "1", b: "changed", c: "3" };
    expect(
      readFileSync(`${root}.sha`).equals(
        encodeDigestPickle(
          names.map((path) => [path, hex(content[path.slice(root.length + 1)] ?? "")]),
        ),
      ),
    ).toBe(true);
  });

  it("walks again when the old digest repeats a key it had answered from", () => {
    const root = tree({ a: "1", b: "2" });
    const names = selectDirContents(root, {
      excludePaths: [],
      excludePatterns: [],
      linkDepth: 0,
      dereference: false,
    }).map((e) => e.path);
    const [first = "", second = ""] = names;
    // Python never writes this; a dict read from it keeps the last digest of the first path.
    writeFileSync(
      `${root}.sha`,
      encodeDigestPickle([
        [first, hex(first === `${root}/a` ? "1" : "2")],
        [second, hex(second === `${root}/a` ? "1" : "2")],
        [first, hex("stale")],
      ]),
    );
    const result = pass(root, { ...stateFor(root), cachePath: undefined });
    expect(result.walks).toBe(2);
    expect(result.changed.map((e) => e.path)).toEqual([first]);
  });

  it("reports an unreadable old digest and starts from an empty one", () => {
    const root = tree({ a: "1" });
    writeFileSync(`${root}.sha`, "not a pickle");
    const errors: string[] = [];
    const result = pass(root, stateFor(root, errors));
    expect(result.changedNames).toEqual(["a"]);
    expect(errors).toEqual([expect.stringContaining(`Failed to read digest [${root}.sha]`)]);
  });

  it("streams to sinks, and a restart discards them before the indexed pass", () => {
    const root = tree({ a: "1", b: "2" });
    const select = () =>
      selectDirContents(root, {
        excludePaths: [],
        excludePatterns: [],
        linkDepth: 0,
        dereference: false,
      });
    const [first = "", second = ""] = select().map((e) => e.path);
    const digestOf = (path: string): string => hex(path === `${root}/a` ? "1" : "2");
    writeFileSync(
      `${root}.sha`,
      encodeDigestPickle([
        [first, digestOf(first)],
        [second, hex("older")],
        [first, hex("stale")],
      ]),
    );
    const opened: ReturnType<typeof memorySink>[] = [];
    let discards = 0;
    const item = openIncremental(
      select,
      { ...stateFor(root), cachePath: undefined },
      {
        openDigest: () => {
          const sink = memorySink();
          opened.push(sink);
          return sink;
        },
        openCache: () => memorySink(),
        discard: () => {
          discards += 1;
        },
      },
    );
    try {
      const streamed = item.pass(false);
      const got: string[] = [];
      expect(() => {
        for (const entry of streamed.changes) got.push(entry.path);
      }).toThrow("digest not exact");
      expect(got).toEqual([second]); // already handed on when the restart came
      expect(streamed.restarted).toBe(true);
      expect(discards).toBe(1);
      const indexed = item.pass(true);
      expect([...indexed.changes].map((e) => e.path)).toEqual([first, second]);
      expect(indexed.restarted).toBe(false);
      expect(indexed.digest?.length).toBe(0);
      const want = encodeDigestPickle([first, second].map((path) => [path, digestOf(path)]));
      expect(opened.at(-1)?.bytes().equals(want)).toBe(true);
    } finally {
      item.close();
    }
  });
});
