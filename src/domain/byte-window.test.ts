import { describe, expect, it } from "vitest";
import { ByteWindow, bytesSource, readAll, type ByteSource } from "./byte-window.js";

const bytes = Buffer.from("0123456789abcdefghijklmnopqrstuvwxyz", "latin1");

/** A source that hands out at most `piece` bytes per read and counts the reads. */
function chunkySource(data: Buffer, piece: number): ByteSource & { reads: number } {
  const inner = bytesSource(data);
  const source = {
    size: inner.size,
    reads: 0,
    read(target: Uint8Array, offset: number, length: number, position: number): number {
      source.reads += 1;
      return inner.read(target, offset, Math.min(length, piece), position);
    },
  };
  return source;
}

function text(window: ByteWindow, from: number, to: number): string {
  return window.data.toString("latin1", from - window.start, to - window.start);
}

describe("bytesSource", () => {
  it.each([
    [0, 5, "01234"],
    [30, 10, "uvwxyz"],
    [36, 4, ""],
    [40, 4, ""],
  ])("reads from %i up to %i bytes: %j", (position, length, expected) => {
    const target = Buffer.alloc(length);
    const count = bytesSource(bytes).read(target, 0, length, position);
    expect(target.toString("latin1", 0, count)).toBe(expected);
  });
});

describe("readAll", () => {
  it("reads every byte through short reads", () => {
    expect(readAll(chunkySource(bytes, 5)).equals(bytes)).toBe(true);
  });

  it("throws when the file ends before its size", () => {
    const short: ByteSource = { size: 10, read: () => 0 };
    expect(() => readAll(short)).toThrow(RangeError);
  });
});

describe("ByteWindow", () => {
  it.each([
    [0, 4, "0123"],
    [2, 6, "234567"],
    [10, 8, "abcdefgh"],
    [30, 6, "uvwxyz"],
    [35, 1, "z"],
  ])("makes [%i, +%i) available: %j", (position, length, expected) => {
    const window = new ByteWindow(chunkySource(bytes, 3), 8);
    expect(window.has(position, length)).toBe(true);
    expect(text(window, position, position + length)).toBe(expected);
  });

  it("says false past the end of the file", () => {
    const window = new ByteWindow(bytesSource(bytes), 8);
    expect(window.has(33, 4)).toBe(false);
    expect(window.has(-1, 2)).toBe(false);
    expect(window.size).toBe(36);
  });

  it("reads again only when a range leaves the window", () => {
    const source = chunkySource(bytes, 64);
    const window = new ByteWindow(source, 8);
    window.has(0, 4);
    window.has(2, 6);
    expect(source.reads).toBe(1);
    window.has(6, 4);
    expect(source.reads).toBe(2);
    expect(window.start).toBe(6);
    expect(text(window, 6, 14)).toBe("6789abcd");
  });

  it("grows for a range longer than the window", () => {
    const window = new ByteWindow(bytesSource(bytes), 4);
    expect(window.has(5, 20)).toBe(true);
    expect(text(window, 5, 25)).toBe("56789abcdefghijklmno");
  });

  it("copies any range, whatever the window holds", () => {
    const window = new ByteWindow(chunkySource(bytes, 2), 4);
    window.has(30, 4);
    expect(window.copy(3, 13).toString("latin1")).toBe("3456789abc");
    expect(() => window.copy(30, 40)).toThrow(RangeError);
  });

  it("throws when the file shrank below its size", () => {
    const inner = bytesSource(bytes);
    const liar: ByteSource = { size: 100, read: (...args) => inner.read(...args) };
    expect(() => new ByteWindow(liar, 8).has(30, 10)).toThrow(RangeError);
  });
});
