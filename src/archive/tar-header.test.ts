import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  BLOCK_SIZE,
  encodeMemberHeader,
  encodeNumberField,
  headerChecksum,
  memberName,
  paddingAfter,
  pythonMtime,
  TarType,
  type TarHeaderFields,
  type TarTypeFlag,
} from "./tar-header.js";

const GOLDEN = join(import.meta.dirname, "../../test/fixtures/cedar-samples/collect-incr");

const bytes = (text: string): Buffer => Buffer.from(text, "utf8");
const hex = (buffer: Uint8Array): string => Buffer.from(buffer).toString("hex");

function fields(overrides: Partial<TarHeaderFields> = {}): TarHeaderFields {
  return {
    name: bytes("srv/file"),
    mode: 0o100644,
    uid: 0,
    gid: 0,
    size: 5,
    mtime: 1_700_000_000,
    type: TarType.file,
    linkName: new Uint8Array(0),
    uname: bytes("root"),
    gname: bytes("root"),
    ...overrides,
  };
}

/** NUL-terminated text of a header field. */
function text(block: Buffer, offset: number, length: number): Buffer {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end);
}

describe("encodeNumberField (Python's itn)", () => {
  it.each([
    [0, 8, "0000000\0"],
    [0o644, 8, "0000644\0"],
    [0o7777, 8, "0007777\0"],
    [2 ** 21 - 1, 8, "7777777\0"],
    [5, 12, "00000000005\0"],
    [1_700_000_000, 12, "14524770400\0"],
    [8 ** 11 - 1, 12, "77777777777\0"],
  ])("%d in %d bytes is octal %j", (value, width, expected) => {
    expect(encodeNumberField(value, width).toString("latin1")).toBe(expected);
  });

  it.each([
    ["8 GiB, the first size past octal", 8 ** 11, 12, "800000000000000200000000"],
    ["a 10 GiB size", 10 * 2 ** 30, 12, "800000000000000280000000"],
    ["a uid past 7 octal digits", 2 ** 21, 8, "8000000000200000"],
    ["a 32-bit uid", 2 ** 32 - 2, 8, "80000000fffffffe"],
    ["a negative mtime", -1, 12, "ffffffffffffffffffffffff"],
    ["an mtime before 1970", -86_400, 12, "fffffffffffffffffffeae80"],
  ])("%s uses GNU base-256", (_what, value, width, expected) => {
    expect(hex(encodeNumberField(value, width))).toBe(expected);
  });

  it("refuses what neither octal nor base-256 can hold, and base-256 outside GNU format", () => {
    expect(() => encodeNumberField(2 ** 56, 8)).toThrow(RangeError);
    expect(() => encodeNumberField(2 ** 21, 8, false)).toThrow(RangeError);
    expect(() => encodeNumberField(-1, 8, false)).toThrow(RangeError);
  });
});

describe("headerChecksum and paddingAfter", () => {
  it("counts the checksum field as eight spaces", () => {
    const block = Buffer.alloc(BLOCK_SIZE);
    expect(headerChecksum(block)).toBe(256);
    block.fill(0xff, 148, 156);
    expect(headerChecksum(block)).toBe(256);
    block[0] = 0xff;
    block[511] = 1;
    expect(headerChecksum(block)).toBe(256 + 255 + 1);
  });

  it.each([
    [0, 0],
    [1, 511],
    [511, 1],
    [512, 0],
    [513, 511],
    [8 * 2 ** 30 + 3, 509],
  ])("%d data bytes need %d bytes of padding", (size, padding) => {
    expect(paddingAfter(size)).toBe(padding);
  });
});

describe("encodeMemberHeader (GNU format as Python's tarfile writes it)", () => {
  it("lays out one header block with GNU magic and the checksum as 6 digits, NUL, space", () => {
    const block = encodeMemberHeader(fields({ mode: 0o104755, uid: 1000, gid: 100 }));
    expect(block).toHaveLength(BLOCK_SIZE);
    expect(text(block, 0, 100).toString()).toBe("srv/file");
    expect(block.toString("latin1", 100, 108)).toBe("0004755\0");
    expect(block.toString("latin1", 108, 116)).toBe("0001750\0");
    expect(block.toString("latin1", 116, 124)).toBe("0000144\0");
    expect(block.toString("latin1", 124, 136)).toBe("00000000005\0");
    expect(block[156]).toBe(0x30);
    expect(block.toString("latin1", 257, 265)).toBe("ustar  \0");
    expect(text(block, 265, 32).toString()).toBe("root");
    // devmajor, devminor and prefix are NUL, as Python leaves them for non-device members.
    expect(block.subarray(329, 512).every((byte) => byte === 0)).toBe(true);
    expect(block.toString("latin1", 148, 156)).toBe(
      `${headerChecksum(block).toString(8).padStart(6, "0")}\0 `,
    );
  });

  it("stores a 100-byte name in the header alone, without a terminating NUL", () => {
    const name = bytes("n".repeat(100));
    const block = encodeMemberHeader(fields({ name }));
    expect(block).toHaveLength(BLOCK_SIZE);
    expect(block.subarray(0, 100).equals(name)).toBe(true);
  });

  it.each([
    ["a 101-byte name", 101, 0, ["L"], 1],
    ["a 600-byte name", 600, 0, ["L"], 2],
    ["a 101-byte link target", 0, 101, ["K"], 1],
    ["a long name and a long target (target first)", 300, 200, ["K", "L"], 1],
  ])("puts %s in ././@LongLink records", (_what, nameLength, linkLength, types, payloadBlocks) => {
    const name = bytes("d/".repeat(400).slice(0, nameLength || 8));
    const linkName = bytes("t".repeat(linkLength));
    const type: TarTypeFlag = linkLength > 0 ? TarType.symlink : TarType.file;
    const encoded = encodeMemberHeader(fields({ name, linkName, type, size: 0 }));
    let offset = 0;
    for (const recordType of types) {
      const record = encoded.subarray(offset, offset + BLOCK_SIZE);
      const value = recordType === "K" ? linkName : name;
      expect(text(record, 0, 100).toString()).toBe("././@LongLink");
      expect(String.fromCharCode(record[156] ?? 0)).toBe(recordType);
      expect(record.toString("latin1", 100, 108)).toBe("0000000\0");
      expect(record.toString("latin1", 124, 136)).toBe(
        `${(value.length + 1).toString(8).padStart(11, "0")}\0`,
      );
      expect(record.toString("latin1", 136, 148)).toBe("00000000000\0");
      expect(record.toString("latin1", 257, 265)).toBe("ustar  \0");
      expect(text(record, 265, 32)).toHaveLength(0);
      const payload = encoded.subarray(offset + BLOCK_SIZE, offset + BLOCK_SIZE + value.length + 1);
      expect(payload.equals(Buffer.concat([value, Buffer.of(0)]))).toBe(true);
      offset += BLOCK_SIZE * (1 + (recordType === "L" ? payloadBlocks : 1));
    }
    const header = encoded.subarray(offset);
    expect(header).toHaveLength(BLOCK_SIZE);
    expect(text(header, 0, 100).equals(name.subarray(0, 100))).toBe(true);
    expect(text(header, 157, 100).equals(linkName.subarray(0, 100))).toBe(true);
  });

  it("stores a size of 8 GiB or more in base-256", () => {
    const block = encodeMemberHeader(fields({ size: 9 * 2 ** 30 }));
    expect(hex(block.subarray(124, 136))).toBe("800000000000000240000000");
  });

  it("keeps raw name bytes that are not UTF-8", () => {
    const name = Buffer.from([0x63, 0x61, 0x66, 0xe9]);
    expect(
      encodeMemberHeader(fields({ name }))
        .subarray(0, 5)
        .equals(Buffer.concat([name, Buffer.of(0)])),
    ).toBe(true);
  });

  it.each(["day1", "day2"])(
    "re-encodes every header of Cedar's %s archive byte for byte",
    (day) => {
      const archive = readFileSync(join(GOLDEN, day, "srv-sample-tree-docs.tar"));
      let offset = 0;
      let headers = 0;
      for (;;) {
        const block = archive.subarray(offset, offset + BLOCK_SIZE);
        if (block.every((byte) => byte === 0)) break;
        const number = (start: number, length: number): number =>
          parseInt(block.toString("latin1", start, start + length).replace(/\0.*$/, ""), 8);
        const size = number(124, 12);
        const type = block[156] as TarTypeFlag;
        const encoded = encodeMemberHeader({
          name: text(block, 0, 100),
          mode: number(100, 8),
          uid: number(108, 8),
          gid: number(116, 8),
          size,
          mtime: number(136, 12),
          type,
          linkName: text(block, 157, 100),
          uname: text(block, 265, 32),
          gname: text(block, 297, 32),
        });
        expect(hex(encoded)).toBe(hex(block));
        headers++;
        offset += BLOCK_SIZE + size + paddingAfter(size);
      }
      expect(headers).toBeGreaterThanOrEqual(3);
      // Two zero blocks, then zeros to tarfile's 10240-byte record.
      expect(archive.length % 10_240).toBe(0);
      expect(archive.subarray(offset).every((byte) => byte === 0)).toBe(true);
      expect(archive.length - offset).toBeGreaterThanOrEqual(2 * BLOCK_SIZE);
    },
  );
});

describe("memberName and pythonMtime", () => {
  it.each([
    ["/etc/hosts", "etc/hosts"],
    ["//srv///x", "srv///x"],
    ["relative/x", "relative/x"],
    ["/", ""],
  ])("the member name of %j is %j", (path, name) => {
    expect(Buffer.from(memberName(bytes(path))).toString()).toBe(name);
  });

  it.each([
    [1_700_000_000, 0, 1_700_000_000],
    [1_700_000_000, 999_999_800, 1_700_000_000],
    // Python's float sum rounds these up to the next second, and Cedar stores that.
    [1_700_000_000, 999_999_999, 1_700_000_001],
    [-2, 500_000_000, -1],
  ])("int(%d + %d ns) is %d", (seconds, nanoseconds, expected) => {
    expect(pythonMtime(seconds, nanoseconds)).toBe(expected);
  });
});
