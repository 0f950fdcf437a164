import { randomBytes } from "node:crypto";
import { constants, crc32, gunzipSync, gzipSync, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { InterruptedError } from "../errors/cback-error.js";
import { gzipHeader, gzipParallel, type ParallelGzipOptions } from "./parallel-gzip.js";

const KIB = 1024;

/** Text-like data that compresses, with some random stretches that do not. */
function sample(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
    out[i] = i % 4096 < 3000 ? 97 + ((i >> 3) % 26) : state & 0xff;
  }
  return out;
}

/** Feed `data` in chunks of `piece` bytes through one reused buffer, as the tar writer does. */
function* reusedChunks(data: Buffer, piece: number): Generator<Uint8Array> {
  const buffer = Buffer.alloc(piece);
  for (let offset = 0; offset < data.length; offset += piece) {
    const count = data.copy(buffer, 0, offset, offset + piece);
    yield buffer.subarray(0, count);
    buffer.fill(0xee); // a consumer that kept the chunk would now see garbage
  }
}

async function gzip(data: Buffer, options: ParallelGzipOptions = {}, piece = 100 * KIB) {
  const parts: Buffer[] = [];
  const summary = await gzipParallel(
    reusedChunks(data, piece),
    (chunk) => {
      parts.push(Buffer.from(chunk));
      return Promise.resolve();
    },
    options,
  );
  return { output: Buffer.concat(parts), summary };
}

/** The raw deflate data between a header without optional fields and the trailer. */
function body(output: Buffer): Buffer {
  expect(output[3] ?? 0).toBe(0);
  return output.subarray(10, -8);
}

describe("gzipParallel", () => {
  it.each([
    ["empty input", 0, 32 * KIB],
    ["one byte", 1, 32 * KIB],
    ["one block minus one", 32 * KIB - 1, 32 * KIB],
    ["exactly one block", 32 * KIB, 32 * KIB],
    ["one block plus one", 32 * KIB + 1, 32 * KIB],
    ["many small blocks", 700 * KIB + 3, 32 * KIB],
    ["a few 1 MiB blocks", 3 * 1024 * KIB + 17, 1024 * KIB],
  ])("writes one gzip member of %s that gunzips to the input", async (_what, length, blockSize) => {
    const data = sample(length);
    for (const concurrency of [1, 3]) {
      const { output, summary } = await gzip(data, { blockSize, concurrency });
      expect(gunzipSync(output).equals(data)).toBe(true);
      // One deflate stream: raw inflate of the body alone yields all of the input.
      expect(inflateRawSync(body(output)).equals(data)).toBe(true);
      expect(output.readUInt32LE(output.length - 8)).toBe(crc32(data));
      expect(output.readUInt32LE(output.length - 4)).toBe(length);
      expect(summary).toEqual({ inputBytes: length, outputBytes: output.length });
    }
  });

  it("compresses within 1% of one-shot zlib at the same level with its default blocks", async () => {
    const data = Buffer.concat(Array.from({ length: 64 }, (_, i) => sample(64 * KIB, i)));
    const { output } = await gzip(data, { level: 6 });
    const single = gzipSync(data, { level: 6 });
    // Each block starts without history, which costs a little at every block boundary.
    expect(output.length).toBeGreaterThan(single.length * 0.99);
    expect(output.length).toBeLessThan(single.length * 1.01);
  });

  it("keeps no history across blocks (each stream is full-flushed)", async () => {
    // The same 48 KiB in every 64 KiB block: a block may only refer to itself.
    const piece = randomBytes(48 * KIB);
    const data = Buffer.concat(Array.from({ length: 24 }, () => piece));
    const { output } = await gzip(data, { blockSize: 64 * KIB, concurrency: 3 });
    expect(gunzipSync(output).equals(data)).toBe(true);
    expect(inflateRawSync(body(output)).equals(data)).toBe(true);
  });

  it("is not fooled by incompressible data", async () => {
    const data = randomBytes(300 * KIB);
    const { output } = await gzip(data, { blockSize: 64 * KIB, level: 9 });
    expect(gunzipSync(output).equals(data)).toBe(true);
    expect(output[8]).toBe(2);
  });

  it("rejects bad levels, block sizes and concurrency", async () => {
    await expect(gzip(Buffer.alloc(1), { level: 0 })).rejects.toThrow(RangeError);
    await expect(gzip(Buffer.alloc(1), { level: 10 })).rejects.toThrow(RangeError);
    await expect(gzip(Buffer.alloc(1), { blockSize: 1000 })).rejects.toThrow(RangeError);
    await expect(gzip(Buffer.alloc(1), { concurrency: 0 })).rejects.toThrow(RangeError);
  });

  it("stops with InterruptedError when the signal is aborted", async () => {
    const controller = new AbortController();
    let written = 0;
    const run = gzipParallel(
      reusedChunks(sample(2 * 1024 * KIB), 64 * KIB),
      () => {
        written++;
        if (written === 2) controller.abort();
        return Promise.resolve();
      },
      { blockSize: 64 * KIB, concurrency: 1, signal: controller.signal },
    );
    await expect(run).rejects.toThrow(InterruptedError);
    expect(written).toBeLessThan(5);
  });

  it("passes on a failure of the writer or of the source", async () => {
    const failingWrite = gzipParallel(
      reusedChunks(sample(512 * KIB), 64 * KIB),
      () => Promise.reject(new Error("disk full")),
      { blockSize: 64 * KIB },
    );
    await expect(failingWrite).rejects.toThrow("disk full");
    function* failingSource(): Generator<Uint8Array> {
      yield sample(200 * KIB);
      throw new Error("read error");
    }
    const run = gzipParallel(failingSource(), () => Promise.resolve(), { blockSize: 32 * KIB });
    await expect(run).rejects.toThrow("read error");
  });
});

describe("gzipHeader", () => {
  it.each([
    [6, undefined, 0, "1f8b0800000000000003"],
    [9, undefined, 1_700_000_000, "1f8b080000f1536502" + "03"],
    [1, "x.tar", 1, "1f8b080801000000040378" + "2e74617200"],
    [6, "", 0, "1f8b0800000000000003"],
    [6, "caf\u00e9.tar", 0, "1f8b080800000000000363" + "6166e92e74617200"],
    [6, "\u20ac.tar", 0, "1f8b0800000000000003"],
  ])("level %d, name %j, mtime %d", (level, name, mtime, expected) => {
    expect(gzipHeader(level, name, mtime).toString("hex")).toBe(expected);
  });

  it("is read back by zlib with the name, as gunzip -N would use it", () => {
    const header = gzipHeader(6, "a.tar", 0);
    const empty = Buffer.concat([header, Buffer.of(3, 0), Buffer.alloc(8)]);
    expect(gunzipSync(empty, { finishFlush: constants.Z_SYNC_FLUSH })).toHaveLength(0);
  });
});
