import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ByteWindow, bytesSource, memorySink, readBack, type ByteSink } from "./byte-window.js";
import { CursorRestartError, DigestCursor } from "./digest-cursor.js";
import { DigestPickleWriter, encodeDigestPickle, indexDigestPickle } from "./pickle.js";
import { StatCacheCursor } from "./stat-cache-cursor.js";
import { HEADER_LENGTH, StatCacheWriter, encodeStatCache, indexStatCache } from "./stat-cache.js";

// The streaming (sink) forms of the state writers and cursors give exactly the bytes of the
// in-memory forms, across the writers' 256 KiB buffer and with escaped and wide keys.

const sha1 = (text: string): Buffer => createHash("sha1").update(text).digest();

/**
 * `count` paths long enough to cross the writers' buffer several times, some escaped
 * unless `plain` (an old digest with escaped keys is not exact: the cursor restarts).
 */
function paths(count: number, plain = false): string[] {
  return Array.from({ length: count }, (_, i) => {
    const base = `/tree/d${String(i % 37).padStart(3, "0")}/${"n".repeat(40 + (i % 90))}-${i}`;
    if (plain) return base;
    if (i % 501 === 7) return `${base}\\back\nslash`;
    if (i % 777 === 3) return `${base}-caf\u00e9-\u0161\udce9`;
    return base;
  });
}

/** A sink that counts how often it is opened. */
function opener(): { open: () => ByteSink; sinks: ReturnType<typeof memorySink>[] } {
  const sinks: ReturnType<typeof memorySink>[] = [];
  return {
    sinks,
    open: () => {
      const sink = memorySink();
      sinks.push(sink);
      return sink;
    },
  };
}

describe("DigestPickleWriter with a sink", () => {
  it("streams the bytes encodeDigestPickle gives, holding one buffer", () => {
    const keys = paths(8000);
    const sink = memorySink();
    const streaming = new DigestPickleWriter(0, sink);
    keys.forEach((key, i) => {
      streaming.add(key, i % 1000 === 0 ? `text ${key}` : sha1(key));
    });
    expect(streaming.finish().length).toBe(0);
    const want = encodeDigestPickle(
      keys.map((key, i) => [key, i % 1000 === 0 ? `text ${key}` : sha1(key).toString("hex")]),
    );
    expect(sink.bytes().equals(want)).toBe(true);
    expect(want.length).toBeGreaterThan(3 * 256 * 1024);
  });

  it("goes on after a prefix already in the sink", () => {
    const keys = paths(3000);
    const entries = keys.map((key): [string, string] => [key, sha1(key).toString("hex")]);
    const whole = encodeDigestPickle(entries);
    const prefix = encodeDigestPickle(entries.slice(0, 1200));
    const sink = memorySink();
    sink.append(prefix.subarray(0, prefix.length - 1)); // without its STOP
    const writer = DigestPickleWriter.resumeInto(sink, 1200);
    for (const key of keys.slice(1200)) writer.add(key, sha1(key));
    writer.finish();
    expect(sink.bytes().equals(whole)).toBe(true);
  });
});

describe("StatCacheWriter with a sink", () => {
  const add = (writer: StatCacheWriter, key: string, i: number): void => {
    writer.add(
      key,
      2049,
      i + 1,
      i * 3,
      1_700_000_000_000_000_000 + i,
      1_700_000_000_500_000_000,
      sha1(key),
    );
  };

  it("streams the bytes the in-memory writer builds, header and checksum included", () => {
    const keys = paths(9000);
    const memory = new StatCacheWriter();
    const sink = memorySink();
    const streaming = new StatCacheWriter(0, sink);
    keys.forEach((key, i) => {
      add(memory, key, i);
      add(streaming, key, i);
    });
    expect(streaming.finish().length).toBe(0);
    const bytes = sink.bytes();
    expect(bytes.length).toBeGreaterThan(3 * 256 * 1024);
    expect(bytes.equals(memory.finish())).toBe(true);
    expect(indexStatCache(bytes).exact).toBe(true);
  });

  it("goes on after records already in the sink, and writes an empty cache", () => {
    const keys = paths(2000);
    const whole = new StatCacheWriter();
    keys.forEach((key, i) => {
      add(whole, key, i);
    });
    const wholeBytes = whole.finish();
    const first = new StatCacheWriter();
    keys.slice(0, 700).forEach((key, i) => {
      add(first, key, i);
    });
    const records = first.finish().subarray(HEADER_LENGTH, -32);
    const sink = memorySink();
    sink.append(Buffer.alloc(HEADER_LENGTH, 0xee));
    sink.append(records);
    const writer = StatCacheWriter.resumeInto(sink, 700, records.length);
    keys.slice(700).forEach((key, i) => {
      add(writer, key, i + 700);
    });
    writer.finish();
    expect(sink.bytes().equals(wholeBytes)).toBe(true);

    const empty = memorySink();
    new StatCacheWriter(0, empty).finish();
    expect(empty.bytes().equals(encodeStatCache([]))).toBe(true);
  });

  it("still refuses a value outside 64 bits", () => {
    const writer = new StatCacheWriter(0, memorySink());
    writer.add("/x", 1, 2, 3, 2 ** 70, 5, sha1("x"));
    expect(() => writer.finish()).toThrow(RangeError);
  });
});

describe("byte-window sink helpers", () => {
  it("copies a range through a small window and reads a sink back", () => {
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    const window = new ByteWindow(bytesSource(bytes), 64);
    window.has(100, 10);
    const sink = memorySink();
    window.copyTo(7, 4321, sink);
    expect(sink.bytes().equals(bytes.subarray(7, 4321))).toBe(true);
    expect(window.start).toBe(100); // left where it was
    const seen: Buffer[] = [];
    readBack(sink, 4000, (piece) => seen.push(Buffer.from(piece)), 333);
    expect(Buffer.concat(seen).equals(bytes.subarray(7, 4007))).toBe(true);
    expect(() => {
      readBack(sink, 9999, () => undefined);
    }).toThrow(RangeError);
    sink.writeAt(Buffer.from([1, 2]), 0);
    expect([...sink.bytes().subarray(0, 2)]).toEqual([1, 2]);
    expect(() => {
      sink.writeAt(Buffer.from([1]), 5000);
    }).toThrow(RangeError);
  });
});

type Change = "same" | "digest" | "added" | "deleted" | "reordered";

/** Old and new entries of a walk over `count` paths with one kind of change near the end. */
function walkWith(change: Change, count: number) {
  const keys = paths(count, true);
  const old = keys.map((key) => ({ key, content: key }));
  const now = old.map((entry) => ({ ...entry }));
  const at = count - 5;
  if (change === "digest") now[at] = { key: keys[at] ?? "", content: "changed" };
  if (change === "added") now.splice(at, 0, { key: "/tree/new", content: "new" });
  if (change === "deleted") now.splice(at, 1);
  if (change === "reordered") now.reverse();
  return { old, now };
}

describe("DigestCursor with a sink", () => {
  it.each<[Change, number]>([
    ["same", 0],
    ["digest", 1],
    ["added", 1],
    ["deleted", 1],
    ["reordered", 1],
  ])("%s: the sink gets what finish() would return (opened %i times)", (change, opens) => {
    const { old, now } = walkWith(change, 4000);
    const oldBytes = encodeDigestPickle(old.map((e) => [e.key, sha1(e.content).toString("hex")]));
    const run = (openSink?: () => ByteSink) => {
      const cursor = new DigestCursor({
        source: bytesSource(oldBytes),
        index: () => indexDigestPickle(oldBytes),
        windowSize: 4096,
        ...(openSink === undefined ? {} : { openSink }),
      });
      const answers = now.map((e) => cursor.add(e.key, sha1(e.content)));
      return { answers, bytes: cursor.finish() };
    };
    const memory = run();
    const sinks = opener();
    const streamed = run(sinks.open);
    expect(streamed.answers).toEqual(memory.answers);
    expect(sinks.sinks).toHaveLength(opens);
    if (opens === 0) expect(streamed.bytes).toBeUndefined();
    else {
      expect(streamed.bytes?.length).toBe(0);
      expect(sinks.sinks[0]?.bytes().equals(memory.bytes ?? Buffer.alloc(1))).toBe(true);
    }
  });

  it("opens its sink at once when there is no old file", () => {
    const sinks = opener();
    const cursor = new DigestCursor({
      index: () => ({ lookup: { matches: () => false }, exact: false }),
      openSink: sinks.open,
    });
    expect(sinks.sinks).toHaveLength(1);
    cursor.add("/a", sha1("a"));
    cursor.finish();
    expect(
      sinks.sinks[0]?.bytes().equals(encodeDigestPickle([["/a", sha1("a").toString("hex")]])),
    ).toBe(true);
  });

  it("restarts as without a sink when a key it answered from comes again", () => {
    const bytes = encodeDigestPickle([
      ["/a", sha1("a").toString("hex")],
      ["/b", sha1("b").toString("hex")],
      ["/a", sha1("stale").toString("hex")],
    ]);
    const sinks = opener();
    const cursor = new DigestCursor({
      source: bytesSource(bytes),
      index: () => indexDigestPickle(bytes),
      openSink: sinks.open,
    });
    expect(cursor.add("/a", sha1("a"))).toBe(true);
    expect(cursor.add("/b", sha1("b2"))).toBe(false);
    expect(() => cursor.finish()).toThrow(CursorRestartError);
  });
});

describe("StatCacheCursor with a sink", () => {
  const facts = (i: number) =>
    [2049, i + 1, 10, 1_700_000_000_000_000_000 + i, 1_700_000_000_500_000_000] as const;

  it.each<[Change, number]>([
    ["same", 0],
    ["digest", 1],
    ["added", 1],
    ["deleted", 1],
    ["reordered", 1],
  ])("%s: the sink gets what finish() would return (opened %i times)", (change, opens) => {
    const { old, now } = walkWith(change, 4000);
    const writer = new StatCacheWriter();
    old.forEach((e, i) => {
      writer.add(e.key, ...facts(i), sha1(e.content));
    });
    const oldBytes = writer.finish();
    const ino = new Map(old.map((e, i) => [e.key, i]));
    const run = (openSink?: () => ByteSink) => {
      const cursor = new StatCacheCursor({
        source: bytesSource(oldBytes),
        index: () => indexStatCache(oldBytes),
        windowSize: 4096,
        ...(openSink === undefined ? {} : { openSink }),
      });
      const answers = now.map((e) => {
        // A changed content comes with other facts (a later mtime).
        const i = ino.get(e.key) ?? 99_999;
        const [dev, inode, size, mtime, ctime] = facts(e.content === e.key ? i : i + 50_000);
        const found = cursor.lookupNumbers(e.key, dev, inode, size, mtime, ctime);
        const answer = found === undefined ? undefined : Buffer.from(found).toString("hex");
        cursor.record(e.key, dev, inode, size, mtime, ctime, found ?? sha1(e.content), true);
        return answer;
      });
      return { answers, bytes: cursor.finish() };
    };
    const memory = run();
    const sinks = opener();
    const streamed = run(sinks.open);
    expect(streamed.answers).toEqual(memory.answers);
    expect(sinks.sinks).toHaveLength(opens);
    if (opens === 0) expect(streamed.bytes).toBeUndefined();
    else {
      expect(streamed.bytes?.length).toBe(0);
      expect(sinks.sinks[0]?.bytes().equals(memory.bytes ?? Buffer.alloc(1))).toBe(true);
    }
  });
});
