import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeFsName } from "./fs-name.js";
import { KeyIndex, KeyRangesBuilder } from "./key-index.js";
import { decodeDigestPickle, encodeDigestPickle, readDigestPickle } from "./pickle.js";
import {
  decodeStatCache,
  encodeStatCache,
  readStatCache,
  type StatCacheEntry,
} from "./stat-cache.js";

const sha1 = (text: string): Buffer => createHash("sha1").update(text).digest();

/** An index over keys laid end to end, each followed by a `;`. */
function indexOf(keys: readonly string[]): KeyIndex {
  const data = Buffer.from(keys.map((key) => `${key};`).join(""), "latin1");
  const builder = new KeyRangesBuilder();
  let offset = 0;
  for (const key of keys) {
    builder.add(offset, offset + key.length);
    offset += key.length + 1;
  }
  return new KeyIndex(builder.finish(data));
}

/** Paths in walk order, then the same tree changed: reordered, some added, some deleted. */
function scenarios(): { name: string; old: string[]; now: string[] }[] {
  const old = Array.from({ length: 3000 }, (_, i) => `/srv/d${Math.floor(i / 100)}/f${i}.dat`);
  const reordered = [...old.slice(1500), ...old.slice(0, 1500).reverse()];
  const edited = old.filter((_, i) => i % 7 !== 3);
  edited.splice(10, 0, "/srv/new-at-start");
  edited.splice(1000, 0, "/srv/d9/new-in-middle", "/srv/d9/f950.dat/");
  edited.push("/srv/new-at-end", "/srv/caf\u00e9", "/srv/\u65e5\u672c", "/srv/bad\udcff");
  return [
    { name: "same order", old, now: old },
    { name: "reordered", old, now: reordered },
    { name: "added and deleted", old, now: edited },
    { name: "emptied", old, now: [] },
    { name: "from nothing", old: [], now: old },
  ];
}

describe("KeyIndex", () => {
  it("finds every key, in file order or not, and nothing else", () => {
    const keys = ["/a", "/b", "/c/d", "", "/\u00e9"];
    const index = indexOf(keys);
    expect(index.hasDuplicates).toBe(false);
    for (const order of [keys, [...keys].reverse(), ["/c/d", "/a", "/\u00e9", "/b", ""]]) {
      for (const key of order) expect(index.findLatin1(key)).toBe(keys.indexOf(key));
    }
    expect(index.findLatin1("/z")).toBe(-1);
    expect(index.findLatin1("/a/")).toBe(-1);
    expect(index.findLatin1("/\u0101")).toBe(-1);
    expect(index.findBytes(Buffer.from("/c/d"))).toBe(2);
    expect(index.findBytes(Buffer.from("/c/"))).toBe(-1);
  });

  it("gives the last of equal keys, as a map filled in order would", () => {
    const index = indexOf(["/a", "/b", "/a", "/c", "/a"]);
    expect(index.hasDuplicates).toBe(true);
    expect(index.findLatin1("/a")).toBe(4);
    expect(index.findLatin1("/b")).toBe(1);
    expect(index.findLatin1("/a")).toBe(4);
    expect(index.findLatin1("/c")).toBe(3);
  });

  it("finds file names by their bytes, as encodeFsName spells them", () => {
    const names = ["/caf\u00e9", "/bad\udcff", "/plain"];
    const data = Buffer.concat(names.map((name) => encodeFsName(name)));
    const builder = new KeyRangesBuilder();
    let offset = 0;
    for (const name of names) {
      const length = encodeFsName(name).length;
      builder.add(offset, offset + length);
      offset += length;
    }
    const index = new KeyIndex(builder.finish(data));
    expect(names.map((name) => index.findFsName(name))).toEqual([0, 1, 2]);
    expect(index.findFsName("/caf")).toBe(-1);
  });
});

describe("readDigestPickle", () => {
  for (const { name, old, now } of scenarios()) {
    it(`answers as decodeDigestPickle's map does: ${name}`, () => {
      // Every fifth file changed since, so matches are both true and false.
      const bytes = encodeDigestPickle(old.map((path) => [path, sha1(path).toString("hex")]));
      const map = decodeDigestPickle(bytes);
      const lookup = readDigestPickle(bytes);
      now.forEach((path, i) => {
        const digest = sha1(i % 5 === 0 ? `${path} changed` : path);
        expect(lookup.matches(path, digest)).toBe(map.matches(path, digest));
      });
    });
  }

  it("reads digests in upper case, duplicate keys and escaped pickles as the map does", () => {
    const upper = Buffer.from(
      `(dp0\nV/a\np1\nV${sha1("a").toString("hex").toUpperCase()}\np2\ns.`,
      "latin1",
    );
    expect(readDigestPickle(upper).matches("/a", sha1("a"))).toBe(true);
    const twice = encodeDigestPickle([
      ["/a", sha1("old").toString("hex")],
      ["/b", sha1("b").toString("hex")],
      ["/a", sha1("new").toString("hex")],
    ]);
    const lookup = readDigestPickle(twice);
    expect(lookup.matches("/a", sha1("old"))).toBe(false);
    expect(lookup.matches("/a", sha1("new"))).toBe(true);
    const escaped = encodeDigestPickle([["/\u65e5\n", sha1("x").toString("hex")]]);
    expect(readDigestPickle(escaped).matches("/\u65e5\n", sha1("x"))).toBe(true);
    expect(() => readDigestPickle(Buffer.from("not a pickle"))).toThrow();
  });
});

describe("readStatCache", () => {
  const statOf = (i: number) => ({
    dev: 2049n,
    ino: BigInt(1000 + i),
    size: BigInt(i * 10),
    mtimeNs: 1_700_000_000_000_000n + BigInt(i),
    ctimeNs: 1_700_000_000_000_000n + BigInt(i),
  });
  for (const { name, old, now } of scenarios()) {
    it(`answers as decodeStatCache's cache does: ${name}`, () => {
      const entries: StatCacheEntry[] = old.map((path, i) => ({
        path,
        stat: statOf(i),
        digest: sha1(path),
      }));
      const bytes = encodeStatCache(entries);
      const cache = decodeStatCache(bytes);
      const lookup = readStatCache(bytes);
      let hits = 0;
      now.forEach((path, i) => {
        // Some files keep their facts, others have changed.
        const at = old.indexOf(path);
        const stat = statOf(i % 4 === 0 || at < 0 ? i + 1 : at);
        const args = [stat.dev, stat.ino, stat.size, stat.mtimeNs, stat.ctimeNs].map(Number) as [
          number,
          number,
          number,
          number,
          number,
        ];
        const want = cache.lookupNumbers(path, ...args);
        const got = lookup.lookupNumbers(path, ...args);
        if (got !== undefined) hits += 1;
        expect(got === undefined ? undefined : Buffer.from(got).toString("hex")).toBe(
          want === undefined ? undefined : Buffer.from(want).toString("hex"),
        );
      });
      expect(hits > 0).toBe(old.length > 0 && now.length > 0);
    });
  }

  it("takes the last entry of a path given twice, and rejects damage", () => {
    const stat = { dev: 1n, ino: 2n, size: 3n, mtimeNs: 4n, ctimeNs: 5n };
    const bytes = encodeStatCache([
      { path: "/a", stat, digest: sha1("old") },
      { path: "/a", stat, digest: sha1("new") },
    ]);
    const got = readStatCache(bytes).lookupNumbers("/a", 1, 2, 3, 4, 5);
    expect(Buffer.from(got ?? []).toString("hex")).toBe(sha1("new").toString("hex"));
    const damaged = Buffer.from(bytes);
    damaged[20] = (damaged[20] ?? 0) ^ 1;
    expect(() => readStatCache(damaged)).toThrow(/checksum/);
  });
});
