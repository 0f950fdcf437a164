import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bytesSource } from "./byte-window.js";
import { CursorRestartError, DigestCursor } from "./digest-cursor.js";
import { encodeDigestPickle, indexDigestPickle, type IndexedDigest } from "./pickle.js";

const sha1 = (text: string): Buffer => createHash("sha1").update(text).digest();
const hex = (text: string): string => sha1(text).toString("hex");

type Entry = readonly [path: string, content: string];

const pickle = (entries: readonly Entry[]): Buffer =>
  encodeDigestPickle(entries.map(([path, content]) => [path, hex(content)]));

const upperCasePickle = (entries: readonly Entry[]): Buffer =>
  encodeDigestPickle(entries.map(([path, content]) => [path, hex(content).toUpperCase()]));

const NOTHING: IndexedDigest = { lookup: { matches: () => false }, exact: false };

/** What the cursor answers and writes, restarting indexed as collect does. */
function runCursor(
  old: Buffer | undefined,
  entries: readonly Entry[],
  windowSize: number,
): { answers: boolean[]; bytes: Buffer | undefined; restarted: boolean; indexCalls: number } {
  let indexCalls = 0;
  let indexed: IndexedDigest | undefined;
  const index = (): IndexedDigest => {
    indexCalls += 1;
    if (old === undefined) return NOTHING;
    try {
      indexed ??= indexDigestPickle(old);
    } catch {
      indexed = NOTHING;
    }
    return indexed;
  };
  const pass = (restart: boolean): { answers: boolean[]; bytes: Buffer | undefined } => {
    const cursor = new DigestCursor({
      ...(old === undefined ? {} : { source: bytesSource(old) }),
      index,
      indexed: restart,
      windowSize,
    });
    const answers = entries.map(([path, content]) => cursor.add(path, sha1(content)));
    return { answers, bytes: cursor.finish() };
  };
  try {
    return { ...pass(false), restarted: false, indexCalls };
  } catch (error) {
    if (!(error instanceof CursorRestartError)) throw error;
    return { ...pass(true), restarted: true, indexCalls };
  }
}

/** What a full index of the old file and a fresh writer give. */
function reference(old: Buffer | undefined, entries: readonly Entry[]) {
  let lookup = NOTHING.lookup;
  if (old !== undefined) {
    try {
      lookup = indexDigestPickle(old).lookup;
    } catch {
      // unreadable: nothing matches
    }
  }
  return {
    answers: entries.map(([path, content]) => lookup.matches(path, sha1(content))),
    bytes: pickle(entries),
  };
}

const A: Entry = ["/t/a", "a"];
const B: Entry = ["/t/b", "b"];
const C: Entry = ["/t/c", "c"];
const D: Entry = ["/t/d", "d"];
const LONG: Entry = [`/t/${"x".repeat(300)}`, "long"];
const LATIN: Entry = ["/t/caf\u00e9", "latin"];
const ESCAPED: Entry = ["/t/back\\slash", "escaped"];
const WIDE: Entry = ["/t/\u0161\udce9", "wide"];

const cases: [string, Buffer | undefined, readonly Entry[], "same" | "new", boolean][] = [
  ["nothing changed", pickle([A, B, C]), [A, B, C], "same", false],
  [
    "nothing changed, long and Latin-1 keys",
    pickle([LONG, LATIN, A]),
    [LONG, LATIN, A],
    "same",
    false,
  ],
  ["one digest changed", pickle([A, B, C]), [A, ["/t/b", "b2"], C], "new", false],
  ["last digest changed", pickle([A, B, C]), [A, B, ["/t/c", "c2"]], "new", false],
  ["added first", pickle([A, B, C]), [D, A, B, C], "new", true],
  ["added in the middle", pickle([A, B, C]), [A, D, B, C], "new", true],
  ["added last", pickle([A, B, C]), [A, B, C, D], "new", true],
  ["deleted first", pickle([A, B, C]), [B, C], "new", true],
  ["deleted in the middle", pickle([A, B, C]), [A, C], "new", true],
  ["deleted last", pickle([A, B, C]), [A, B], "new", true],
  ["reordered", pickle([A, B, C]), [C, A, B], "new", true],
  ["no old file", undefined, [A, B], "new", false],
  ["empty old dict, nothing now", pickle([]), [], "same", false],
  ["empty old dict", pickle([]), [A], "new", true],
  ["old file not a pickle", Buffer.from("garbage"), [A, B], "new", true],
  ["escaped keys, nothing changed", pickle([A, ESCAPED, WIDE]), [A, ESCAPED, WIDE], "same", false],
  [
    "escaped keys, one digest changed",
    pickle([A, ESCAPED, WIDE]),
    [A, ["/t/back\\slash", "changed"], WIDE],
    "new",
    false,
  ],
  ["escaped keys, one added", pickle([A, ESCAPED, WIDE]), [A, ESCAPED, D, WIDE], "new", true],
  [
    "an escape Python would not write (\\u0061 for a)",
    Buffer.from(pickle([A, B]).toString("latin1").replace("V/t/a", "V/t/\\u0061"), "latin1"),
    [A, B],
    "new",
    true,
  ],
  ["uppercase digests", upperCasePickle([A, B]), [A, B], "new", false],
  ["uppercase digests, one changed", upperCasePickle([A, B]), [["/t/a", "a2"], B], "new", false],
];

describe("DigestCursor", () => {
  it("an escaped key needs no restart: the old file is exact when Python wrote it", () => {
    const old = pickle([A, ESCAPED, WIDE, B]);
    expect(indexDigestPickle(old).exact).toBe(true);
    const got = runCursor(old, [A, ESCAPED, C, WIDE, B], 16);
    expect(got.restarted).toBe(false);
    expect(got.answers).toEqual([true, true, false, true, true]);
  });

  it("a non-canonical escape is not exact, and the answers are the general decoder's", () => {
    const old = Buffer.from(
      pickle([A, B]).toString("latin1").replace("V/t/a", "V/t/\\u0061"),
      "latin1",
    );
    expect(indexDigestPickle(old).exact).toBe(false);
    expect(indexDigestPickle(old).lookup.matches("/t/a", sha1("a"))).toBe(true);
  });

  describe.each([
    ["a large window", 1 << 20],
    ["a tiny window", 16],
  ])("with %s", (_label, windowSize) => {
    it.each(cases)(
      "%s: answers and writes as a full index would",
      (_name, old, entries, outcome, indexes) => {
        const got = runCursor(old, entries, windowSize);
        const want = reference(old, entries);
        expect(got.answers).toEqual(want.answers);
        if (outcome === "same") {
          expect(got.bytes).toBeUndefined();
          expect(want.bytes.equals(old ?? Buffer.alloc(0))).toBe(true);
        } else {
          expect(got.bytes?.toString("latin1")).toBe(want.bytes.toString("latin1"));
        }
        expect(got.indexCalls > 0).toBe(indexes);
      },
    );
  });

  it("restarts when a key it answered from comes again later in the file", () => {
    // Python never writes this, but a dict read from it keeps the last value.
    const old = Buffer.concat([
      pickle([A, B]).subarray(0, -1),
      Buffer.from(`V/t/a\np5\nV${hex("other")}\np6\ns.`, "latin1"),
    ]);
    const got = runCursor(old, [A, B], 64);
    expect(got.restarted).toBe(true);
    expect(got.answers).toEqual([false, true]);
    expect(got.bytes?.equals(pickle([A, B]))).toBe(true);
  });

  it("restarts when the file turns out damaged after entries it answered from", () => {
    const old = Buffer.concat([pickle([A, B]).subarray(0, -1), Buffer.from("Vbroken", "latin1")]);
    const got = runCursor(old, [A, B, C], 64);
    expect(got.restarted).toBe(true);
    expect(got.answers).toEqual([false, false, false]);
    expect(got.bytes?.equals(pickle([A, B, C]))).toBe(true);
  });

  it("writes the old entries' bytes as they were when the memo numbers differ", () => {
    const old = Buffer.from(pickle([A, B]).toString("latin1").replace("p1\n", "p7\n"), "latin1");
    const got = runCursor(old, [A, B], 1 << 20);
    expect(got.answers).toEqual([true, true]);
    expect(got.bytes?.equals(pickle([A, B]))).toBe(true);
  });
});
