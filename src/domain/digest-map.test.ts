import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DigestMap } from "./digest-map.js";

const sha1 = (text: string): Buffer => createHash("sha1").update(text).digest();
const EMPTY = "da39a3ee5e6b4b0d3255bfef95601890afd80709";

describe("DigestMap", () => {
  it("stores digests given as bytes or hex and returns both forms", () => {
    const map = new DigestMap().set("/a", sha1("a")).set("/b", EMPTY.toUpperCase());
    expect(map.size).toBe(2);
    expect(map.has("/a")).toBe(true);
    expect(map.has("/c")).toBe(false);
    expect(map.get("/a")).toBe(sha1("a").toString("hex"));
    expect(map.get("/b")).toBe(EMPTY);
    expect(map.get("/c")).toBeUndefined();
    expect(Buffer.from(map.getBytes("/b") ?? []).toString("hex")).toBe(EMPTY);
    expect(map.getBytes("/c")).toBeUndefined();
  });

  it("hands out copies of the digest bytes", () => {
    const map = new DigestMap().set("/a", EMPTY);
    const copy = map.getBytes("/a");
    copy?.fill(0);
    expect(map.get("/a")).toBe(EMPTY);
  });

  it("keeps insertion order, and a replaced path keeps its place", () => {
    const map = new DigestMap().set("/z", sha1("z")).set("/a", sha1("a")).set("/m", sha1("m"));
    map.set("/z", EMPTY);
    expect([...map.keys()]).toEqual(["/z", "/a", "/m"]);
    expect([...map]).toEqual([
      ["/z", EMPTY],
      ["/a", sha1("a").toString("hex")],
      ["/m", sha1("m").toString("hex")],
    ]);
  });

  it("keeps every digest while its storage grows", () => {
    const map = new DigestMap();
    for (let i = 0; i < 10_000; i++) map.set(`/tree/file-${i}`, sha1(String(i)));
    expect(map.size).toBe(10_000);
    for (let i = 0; i < 10_000; i += 997) {
      expect(map.get(`/tree/file-${i}`)).toBe(sha1(String(i)).toString("hex"));
    }
    expect([...map.keys()].slice(0, 3)).toEqual(["/tree/file-0", "/tree/file-1", "/tree/file-2"]);
  });

  it("tells whether a path has a given digest", () => {
    const map = new DigestMap().set("/a", sha1("a"));
    expect(map.matches("/a", sha1("a"))).toBe(true);
    expect(map.matches("/a", sha1("a").toString("hex").toUpperCase())).toBe(true);
    expect(map.matches("/a", sha1("b"))).toBe(false);
    expect(map.matches("/b", sha1("a"))).toBe(false);
  });

  it.each<[string, Uint8Array | string]>([
    ["39 hex digits", EMPTY.slice(1)],
    ["41 hex digits", `${EMPTY}0`],
    ["a non-hex digit", `${EMPTY.slice(1)}g`],
    ["19 bytes", new Uint8Array(19)],
    ["32 bytes (SHA-256)", new Uint8Array(32)],
  ])("refuses %s and stays unchanged", (_what, digest) => {
    const map = new DigestMap().set("/a", EMPTY);
    expect(() => map.set("/b", digest)).toThrow(RangeError);
    expect(() => map.set("/a", digest)).toThrow(RangeError);
    expect(() => map.matches("/a", digest)).toThrow(RangeError);
    expect([...map]).toEqual([["/a", EMPTY]]);
  });

  const base: [string, string][] = [
    ["/a", EMPTY],
    ["/b", sha1("b").toString("hex")],
  ];
  it.each<[string, [string, string][], boolean]>([
    ["the same entries", base, true],
    ["the same entries in another order", [...base].reverse(), true],
    [
      "a different digest",
      [
        ["/a", EMPTY],
        ["/b", EMPTY],
      ],
      false,
    ],
    ["a missing path", [["/a", EMPTY]], false],
    ["an extra path", [...base, ["/c", EMPTY]], false],
    [
      "another path of the same size",
      [
        ["/a", EMPTY],
        ["/c", sha1("b").toString("hex")],
      ],
      false,
    ],
  ])("equals: %s -> %s", (_what, entries, expected) => {
    const map = DigestMap.from(base);
    const other = DigestMap.from(entries);
    expect(map.equals(other)).toBe(expected);
    expect(other.equals(map)).toBe(expected);
  });
});
