import { describe, expect, it } from "vitest";
import { decodeFsName, encodeFsName } from "./fs-name.js";

describe("file names with Python's surrogateescape", () => {
  it.each([
    ["ascii", Buffer.from("/etc/hosts"), "/etc/hosts"],
    ["latin-1 letter in UTF-8", Buffer.from("café", "utf8"), "café"],
    ["emoji (4 bytes)", Buffer.from("a😀b", "utf8"), "a😀b"],
    ["a lone Latin-1 byte", Buffer.from([0x63, 0x61, 0x66, 0xe9]), "caf\udce9"],
    ["a truncated sequence", Buffer.from([0xe2, 0x82]), "\udce2\udc82"],
    ["an overlong slash", Buffer.from([0xc0, 0xaf]), "\udcc0\udcaf"],
    ["an encoded surrogate", Buffer.from([0xed, 0xa0, 0x80]), "\udced\udca0\udc80"],
    ["mixed", Buffer.from([0x61, 0xff, 0xc3, 0xa9, 0xfe]), "a\udcffé\udcfe"],
  ])("%s decodes as Python does and encodes back to the same bytes", (_what, bytes, text) => {
    expect(decodeFsName(bytes)).toBe(text);
    expect(encodeFsName(text).equals(bytes)).toBe(true);
  });

  it("refuses a surrogate that stands for no byte", () => {
    expect(() => encodeFsName("a\ud800b")).toThrow(RangeError);
    expect(() => encodeFsName("\udc10")).toThrow(RangeError);
  });

  it("round-trips every single byte and every byte pair", () => {
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b += 7) {
        const bytes = Buffer.from([a, b]);
        expect(encodeFsName(decodeFsName(bytes)).equals(bytes)).toBe(true);
      }
    }
  });
});
