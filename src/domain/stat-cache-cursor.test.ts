import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bytesSource } from "./byte-window.js";
import { CursorRestartError } from "./digest-cursor.js";
import { StatCacheCursor } from "./stat-cache-cursor.js";
import {
  StatCacheWriter,
  encodeStatCache,
  indexStatCache,
  type IndexedStatCache,
  type StatCacheEntry,
} from "./stat-cache.js";

const sha1 = (text: string): Buffer => createHash("sha1").update(text).digest();

/** A file as the walk sees it: path, stat facts as numbers, content, and whether trusted. */
interface Seen {
  readonly path: string;
  readonly ino: number;
  readonly mtimeNs: number;
  readonly content: string;
  readonly trusted?: boolean;
}

const DEV = 2049;
const SIZE = 7;
const CTIME = 1_700_000_001_000_000_000;

const file = (
  path: string,
  ino: number,
  content = path,
  mtimeNs = 1_700_000_000_000_000_000,
): Seen => ({
  path,
  ino,
  mtimeNs,
  content,
});

const toEntry = (seen: Seen): StatCacheEntry => ({
  path: seen.path,
  stat: {
    dev: BigInt(DEV),
    ino: BigInt(seen.ino),
    size: BigInt(SIZE),
    mtimeNs: BigInt(seen.mtimeNs),
    ctimeNs: BigInt(CTIME),
  },
  digest: sha1(seen.content),
});

const cacheOf = (files: readonly Seen[]): Buffer => encodeStatCache(files.map(toEntry));

/** What the cursor answers and writes, restarting indexed as collect does. */
function runCursor(old: Buffer | undefined, walk: readonly Seen[], windowSize: number) {
  let indexCalls = 0;
  const index = (): IndexedStatCache | undefined => {
    indexCalls += 1;
    try {
      return old === undefined ? undefined : indexStatCache(old);
    } catch {
      return undefined;
    }
  };
  const pass = (indexed: boolean) => {
    const cursor = new StatCacheCursor({
      ...(old === undefined ? {} : { source: bytesSource(old) }),
      index,
      indexed,
      windowSize,
    });
    const answers = walk.map((seen) => {
      const found = cursor.lookupNumbers(seen.path, DEV, seen.ino, SIZE, seen.mtimeNs, CTIME);
      const answer = found === undefined ? undefined : Buffer.from(found).toString("hex");
      const digest = found ?? sha1(seen.content);
      cursor.record(
        seen.path,
        DEV,
        seen.ino,
        SIZE,
        seen.mtimeNs,
        CTIME,
        digest,
        seen.trusted !== false,
      );
      return answer;
    });
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
function reference(old: Buffer | undefined, walk: readonly Seen[]) {
  let indexed: IndexedStatCache | undefined;
  try {
    indexed = old === undefined ? undefined : indexStatCache(old);
  } catch {
    indexed = undefined;
  }
  const writer = new StatCacheWriter();
  const answers = walk.map((seen) => {
    const found = indexed?.lookup.lookupNumbers(
      seen.path,
      DEV,
      seen.ino,
      SIZE,
      seen.mtimeNs,
      CTIME,
    );
    const answer = found === undefined ? undefined : Buffer.from(found).toString("hex");
    const digest = found === undefined ? sha1(seen.content) : Buffer.from(found);
    if (seen.trusted !== false)
      writer.add(seen.path, DEV, seen.ino, SIZE, seen.mtimeNs, CTIME, digest);
    return answer;
  });
  return { answers, bytes: writer.finish() };
}

const A = file("/t/a", 1);
const B = file("/t/b", 2);
const C = file("/t/c", 3);
const D = file("/t/d", 4);
const WIDE = file("/t/caf\udce9 \u0161", 5);
const LONG = file(`/t/${"y".repeat(200)}`, 6);

/** `bytes` with one bit flipped at `offset` (20: the first path; 70: the first digest). */
const damaged = (bytes: Buffer, offset = 20): Buffer => {
  const copy = Buffer.from(bytes);
  copy[offset] = (copy[offset] ?? 0) ^ 1;
  return copy;
};

const cases: [string, Buffer | undefined, readonly Seen[], "same" | "new", boolean][] = [
  ["nothing changed", cacheOf([A, B, C]), [A, B, C], "same", false],
  [
    "nothing changed, non-ASCII and long names",
    cacheOf([WIDE, LONG, A]),
    [WIDE, LONG, A],
    "same",
    false,
  ],
  ["one file touched", cacheOf([A, B, C]), [A, { ...B, mtimeNs: 5 }, C], "new", false],
  ["one file replaced (new inode)", cacheOf([A, B, C]), [A, { ...B, ino: 99 }, C], "new", false],
  [
    "a file too recent to cache",
    cacheOf([A, B, C]),
    [A, { ...B, trusted: false }, C],
    "new",
    false,
  ],
  ["added first", cacheOf([A, B, C]), [D, A, B, C], "new", true],
  ["added in the middle", cacheOf([A, B, C]), [A, D, B, C], "new", true],
  ["added last", cacheOf([A, B, C]), [A, B, C, D], "new", true],
  ["deleted first", cacheOf([A, B, C]), [B, C], "new", true],
  ["deleted last", cacheOf([A, B, C]), [A, B], "new", true],
  ["reordered", cacheOf([A, B, C]), [B, C, A], "new", true],
  ["no old file", undefined, [A, B], "new", false],
  ["empty old cache, nothing now", cacheOf([]), [], "same", false],
  ["damaged path in the old cache", damaged(cacheOf([A, B, C])), [A, B, C], "new", true],
  ["not a cache at all", Buffer.from("CBSTATC\nnonsense"), [A], "new", false],
];

describe("StatCacheCursor", () => {
  describe.each([
    ["a large window", 1 << 20],
    ["a tiny window", 8],
  ])("with %s", (_label, windowSize) => {
    it.each(cases)(
      "%s: answers and writes as a full index would",
      (_name, old, walk, outcome, indexes) => {
        const got = runCursor(old, walk, windowSize);
        const want = reference(old, walk);
        expect(got.answers).toEqual(want.answers);
        if (outcome === "same") {
          expect(got.bytes).toBeUndefined();
          expect(want.bytes.equals(old ?? Buffer.alloc(0))).toBe(true);
        } else {
          expect(got.bytes?.equals(want.bytes)).toBe(true);
        }
        expect(got.indexCalls > 0).toBe(indexes);
        expect(got.restarted).toBe(false);
      },
    );
  });

  it("restarts when the old cache, read in order, turns out damaged at its end", () => {
    // The damaged digest is answered from the cursor before the checksum is known.
    const old = damaged(cacheOf([A, B, C]), 70);
    const got = runCursor(old, [A, B, C], 1 << 20);
    expect(got.restarted).toBe(true);
    const want = reference(old, [A, B, C]);
    expect(got.answers).toEqual(want.answers);
    expect(got.answers).toEqual([undefined, undefined, undefined]);
    expect(got.bytes?.equals(want.bytes)).toBe(true);
  });

  describe.each([
    ["a large window", 1 << 20],
    ["a tiny window", 8],
  ])("again with %s", (_label, windowSize) => {
    it("reads a large cache through in order", () => {
      const files = Array.from({ length: 300 }, (_, i) => file(`/t/many/${i}`, 100 + i));
      const got = runCursor(cacheOf(files), files, windowSize);
      expect(got.bytes).toBeUndefined();
      expect(got.answers).toEqual(files.map((seen) => sha1(seen.content).toString("hex")));
    });
  });

  it("answers from the cursor what an index answers: the recorded digest for matching facts", () => {
    const got = runCursor(cacheOf([A, B]), [A, { ...B, mtimeNs: 1 }], 1 << 20);
    expect(got.answers).toEqual([sha1("/t/a").toString("hex"), undefined]);
  });

  it("restarts when a path it answered from comes again later in the file", () => {
    const old = encodeStatCache([toEntry(A), toEntry(B), toEntry({ ...A, content: "older" })]);
    const got = runCursor(old, [A, B], 1 << 20);
    expect(got.restarted).toBe(true);
    // The last record of a path wins, as in decodeStatCache.
    expect(got.answers).toEqual([sha1("older").toString("hex"), sha1("/t/b").toString("hex")]);
    expect(got.bytes?.equals(reference(old, [A, B]).bytes)).toBe(true);
  });
});
