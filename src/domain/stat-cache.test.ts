import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  StatCache,
  StatCacheError,
  StatCacheWriter,
  decodeStatCache,
  encodeStatCache,
  type FileStat,
  type StatCacheEntry,
} from "./stat-cache.js";

const sha1 = (text: string): Buffer => createHash("sha1").update(text).digest();
const MAX_UINT64 = 2n ** 64n - 1n;

const stat: FileStat = {
  dev: 2049n,
  ino: 131_075n,
  size: 9n,
  mtimeNs: 1_700_000_000_123_456_789n,
  ctimeNs: 1_700_000_001_000_000_000n,
};

const entries: StatCacheEntry[] = [
  { path: "/srv/tree/a.txt", stat, digest: sha1("a") },
  { path: "/srv/tree/caf\udce9", stat: { ...stat, ino: MAX_UINT64 }, digest: sha1("b") },
  { path: "/srv/tree/naïve 😀", stat: { ...stat, mtimeNs: -5n, ctimeNs: 0n }, digest: sha1("c") },
  {
    path: "/srv/tree/empty",
    stat: { dev: 0n, ino: 0n, size: 0n, mtimeNs: 0n, ctimeNs: 0n },
    digest: sha1(""),
  },
];

/** Recompute the trailing SHA-256 after editing the body of an encoded cache. */
function reseal(body: Buffer): Buffer {
  return Buffer.concat([body, createHash("sha256").update(body).digest()]);
}

describe("stat cache encoding", () => {
  it("round-trips entries, including surrogate paths, huge inodes and negative times", () => {
    const decoded = decodeStatCache(encodeStatCache(entries));
    expect(decoded.size).toBe(entries.length);
    expect([...decoded]).toEqual(
      entries.map((entry) => ({ ...entry, digest: new Uint8Array(entry.digest) })),
    );
  });

  it("encodes a StatCache exactly as the same entries given one by one", () => {
    const cache = new StatCache(2);
    for (const entry of entries) cache.set(entry.path, entry.stat, entry.digest);
    expect(encodeStatCache(cache).equals(encodeStatCache(entries))).toBe(true);
    expect(encodeStatCache(new StatCache()).equals(encodeStatCache([]))).toBe(true);
  });

  it("grows past its output buffer", () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({
      path: `/srv/${"deep/".repeat(10)}file-${i}`,
      stat: { ...stat, ino: BigInt(i) },
      digest: sha1(String(i)),
    }));
    const encoded = encodeStatCache(many);
    expect(encoded.length).toBeGreaterThan(64 * 1024);
    const cache = decodeStatCache(encoded);
    expect(cache.size).toBe(3000);
    expect(cache.lookup(many[2999]!.path, many[2999]!.stat)).toEqual(new Uint8Array(sha1("2999")));
  });

  it("round-trips an empty cache", () => {
    expect(decodeStatCache(encodeStatCache([])).size).toBe(0);
  });

  it("writes the documented version-1 layout", () => {
    const path = Buffer.from([0x2f, 0x78, 0xe9]); // "/x" and the undecodable byte 0xE9
    const digest = sha1("x");
    const body = Buffer.alloc(8 + 4 + 4 + 4 + path.length + 40 + 20);
    let at = body.write("CBSTATC\n", 0, "latin1");
    at = body.writeUInt32LE(1, at);
    at = body.writeUInt32LE(1, at);
    at = body.writeUInt32LE(path.length, at);
    at += path.copy(body, at);
    for (const word of [1n, 2n, 3n, 2n ** 64n - 4n, 5n]) at = body.writeBigUInt64LE(word, at);
    digest.copy(body, at);
    const expected = reseal(body);
    const encoded = encodeStatCache([
      { path: "/x\udce9", stat: { dev: 1n, ino: 2n, size: 3n, mtimeNs: -4n, ctimeNs: 5n }, digest },
    ]);
    expect(encoded.toString("hex")).toBe(expected.toString("hex"));
  });

  it("decodes from a view into a larger buffer", () => {
    const encoded = encodeStatCache(entries);
    const larger = Buffer.concat([Buffer.from("junk"), encoded, Buffer.from("junk")]);
    const view = new Uint8Array(larger.buffer, larger.byteOffset + 4, encoded.length);
    expect(decodeStatCache(view).size).toBe(entries.length);
  });

  it("lets a later duplicate path win", () => {
    const cache = decodeStatCache(
      encodeStatCache([entries[0]!, { ...entries[0]!, digest: sha1("new") }]),
    );
    expect(cache.size).toBe(1);
    expect(cache.lookup(entries[0]!.path, stat)).toEqual(new Uint8Array(sha1("new")));
  });

  const good = encodeStatCache(entries);
  const body = good.subarray(0, good.length - 32);
  const withVersion = Buffer.from(body);
  withVersion.writeUInt32LE(2, 8);
  const fewer = Buffer.from(body);
  fewer.writeUInt32LE(entries.length - 1, 12);
  const more = Buffer.from(body);
  more.writeUInt32LE(entries.length + 1, 12);
  const flipped = Buffer.from(good);
  flipped[40] = (flipped[40] ?? 0) ^ 1;
  const longPath = Buffer.from(body);
  longPath.writeUInt32LE(0xffffffff, 16);

  it.each<[string, Buffer, string]>([
    ["an empty file", Buffer.alloc(0), "bad magic"],
    ["another file type", Buffer.from("(dp0\n."), "bad magic"],
    ["a header alone", good.subarray(0, 16), "truncated"],
    ["a newer version", reseal(withVersion), "version 2 is not supported"],
    ["a cut-off end", good.subarray(0, good.length - 1), "checksum mismatch"],
    ["a flipped bit", flipped, "checksum mismatch"],
    ["a count that is too small", reseal(fewer), "bytes after its last entry"],
    ["a count that is too large", reseal(more), "truncated"],
    ["a path length past the end", reseal(longPath), "truncated"],
  ])("refuses %s", (_what, bytes, message) => {
    expect(() => decodeStatCache(bytes)).toThrow(StatCacheError);
    expect(() => decodeStatCache(bytes)).toThrow(message);
  });

  it("refuses to encode a digest that is not 20 bytes", () => {
    expect(() => encodeStatCache([{ ...entries[0]!, digest: new Uint8Array(32) }])).toThrow(
      RangeError,
    );
  });

  it.each<[string, Partial<FileStat>]>([
    ["a size of 2^64", { size: 2n ** 64n }],
    ["an mtime below -2^63", { mtimeNs: -(2n ** 63n) - 1n }],
  ])("refuses to encode %s", (_what, change) => {
    expect(() => encodeStatCache([{ ...entries[0]!, stat: { ...stat, ...change } }])).toThrow(
      RangeError,
    );
  });
});

describe("StatCache.lookup", () => {
  const cache = decodeStatCache(encodeStatCache(entries));

  it.each<[string, string, Partial<FileStat>, Buffer | undefined]>([
    ["identical stat", "/srv/tree/a.txt", {}, sha1("a")],
    ["surrogate path, inode 2^64-1", "/srv/tree/caf\udce9", { ino: MAX_UINT64 }, sha1("b")],
    ["negative mtime", "/srv/tree/naïve 😀", { mtimeNs: -5n, ctimeNs: 0n }, sha1("c")],
    ["another device", "/srv/tree/a.txt", { dev: 2050n }, undefined],
    ["another inode", "/srv/tree/a.txt", { ino: 131_076n }, undefined],
    ["another size", "/srv/tree/a.txt", { size: 10n }, undefined],
    ["mtime one nanosecond later", "/srv/tree/a.txt", { mtimeNs: stat.mtimeNs + 1n }, undefined],
    ["ctime one nanosecond later", "/srv/tree/a.txt", { ctimeNs: stat.ctimeNs + 1n }, undefined],
    ["an unknown path", "/srv/tree/b.txt", {}, undefined],
    ["a stat outside 64 bits", "/srv/tree/a.txt", { size: -(2n ** 64n) }, undefined],
  ])("%s", (_what, path, change, expected) => {
    const found = cache.lookup(path, { ...stat, ...change });
    expect(found).toEqual(expected === undefined ? undefined : new Uint8Array(expected));
  });

  it("answers from entries set in memory and replaces them in place", () => {
    const memory = new StatCache().set("/b", stat, sha1("b")).set("/a", stat, sha1("a"));
    memory.set("/b", { ...stat, size: 1n }, sha1("b2"));
    expect(memory.size).toBe(2);
    expect(memory.has("/a")).toBe(true);
    expect(memory.lookup("/b", stat)).toBeUndefined();
    expect(memory.lookup("/b", { ...stat, size: 1n })).toEqual(new Uint8Array(sha1("b2")));
    expect([...memory].map((entry) => entry.path)).toEqual(["/b", "/a"]);
  });

  it("keeps its records when the storage grows", () => {
    const memory = new StatCache();
    for (let i = 0; i < 5000; i++)
      memory.set(`/f${i}`, { ...stat, ino: BigInt(i) }, sha1(String(i)));
    for (let i = 0; i < 5000; i += 499) {
      expect(memory.lookup(`/f${i}`, { ...stat, ino: BigInt(i) })).toEqual(
        new Uint8Array(sha1(String(i))),
      );
    }
  });

  it("hands out copies of the digest", () => {
    const memory = new StatCache().set("/a", stat, sha1("a"));
    memory.lookup("/a", stat)?.fill(0);
    expect(memory.lookup("/a", stat)).toEqual(new Uint8Array(sha1("a")));
  });

  it("refuses a digest that is not 20 bytes", () => {
    expect(() => new StatCache().set("/a", stat, new Uint8Array(16))).toThrow(RangeError);
  });
});

describe("StatCacheWriter and number lookups", () => {
  const asNumbers = (s: FileStat): [number, number, number, number, number] => [
    Number(s.dev),
    Number(s.ino),
    Number(s.size),
    Number(s.mtimeNs),
    Number(s.ctimeNs),
  ];
  // Facts as Node's number stats give them: each value an integral double.
  const asDoubles = (s: FileStat): FileStat => ({
    dev: BigInt(Number(s.dev)),
    ino: BigInt(Number(s.ino)),
    size: BigInt(Number(s.size)),
    mtimeNs: BigInt(Number(s.mtimeNs)),
    ctimeNs: BigInt(Number(s.ctimeNs)),
  });
  const exact: StatCacheEntry[] = [
    { path: "/srv/tree/a.txt", stat: asDoubles(stat), digest: sha1("a") },
    {
      path: "/srv/tree/caf\udce9",
      stat: { ...asDoubles(stat), ino: 2n ** 60n, mtimeNs: -(2n ** 62n), ctimeNs: 2n ** 63n },
      digest: sha1("b"),
    },
    {
      path: "/srv/tree/empty",
      stat: { ...asDoubles(stat), mtimeNs: -5n, ctimeNs: 0n },
      digest: sha1(""),
    },
  ];

  it("writes the same bytes as encodeStatCache", () => {
    const writer = new StatCacheWriter();
    for (const entry of exact) writer.add(entry.path, ...asNumbers(entry.stat), entry.digest);
    expect(writer.finish()).toEqual(encodeStatCache(exact));
    expect(new StatCacheWriter().finish()).toEqual(encodeStatCache([]));
  });

  it("looks numbers up as lookup does bigints", () => {
    const cache = decodeStatCache(encodeStatCache(exact));
    for (const entry of exact) {
      const found = cache.lookupNumbers(entry.path, ...asNumbers(entry.stat));
      expect(found && new Uint8Array(found)).toEqual(cache.lookup(entry.path, entry.stat));
      const [dev, ino, size, mtimeNs, ctimeNs] = asNumbers(entry.stat);
      expect(cache.lookupNumbers(entry.path, dev, ino, size + 1, mtimeNs, ctimeNs)).toBeUndefined();
      expect(cache.lookupNumbers(entry.path, dev, ino, size, mtimeNs, 0.5)).toBeUndefined();
    }
    expect(cache.lookupNumbers("/nowhere", ...asNumbers(stat))).toBeUndefined();
  });

  it("fails on finish for a value outside 64 bits", () => {
    const writer = new StatCacheWriter();
    writer.add("/x", 1, 2, 3, 2 ** 64, 5, sha1("x"));
    expect(() => writer.finish()).toThrow(RangeError);
  });
});
