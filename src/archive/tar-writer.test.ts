import {
  appendFileSync,
  chmodSync,
  linkSync,
  lstatSync,
  readdirSync,
  readlinkSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { decodeFsName, encodeFsName } from "../domain/fs-name.js";
import { InterruptedError } from "../errors/cback-error.js";
import type { OwnerNames } from "./owner-names.js";
import { tarChunks, type ArchiveMember, type TarWriterOptions } from "./tar-writer.js";

/** A member as read back from a tar stream. */
interface ReadMember {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkName: string;
  uname: string;
  gname: string;
  data: Buffer;
}

function numberField(field: Buffer): number {
  if (field[0] === 0x80) return Number(field.subarray(1).readBigUInt64BE(field.length - 9));
  return parseInt(field.toString("latin1").replace(/\0.*$/, "") || "0", 8);
}

function cString(field: Buffer): Buffer {
  const end = field.indexOf(0);
  return end === -1 ? field : field.subarray(0, end);
}

/** A minimal reader of the GNU tar subset the writer produces (test oracle). */
function readTar(archive: Buffer): ReadMember[] {
  const members: ReadMember[] = [];
  let offset = 0;
  let longName: Buffer | undefined;
  let longLink: Buffer | undefined;
  while (offset < archive.length) {
    const block = archive.subarray(offset, offset + 512);
    if (block.every((byte) => byte === 0)) break;
    const size = numberField(block.subarray(124, 136));
    const type = String.fromCharCode(block[156] ?? 0);
    const data = archive.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === "L") longName = cString(data);
    else if (type === "K") longLink = cString(data);
    else {
      members.push({
        name: decodeFsName(longName ?? cString(block.subarray(0, 100))),
        type,
        mode: numberField(block.subarray(100, 108)),
        uid: numberField(block.subarray(108, 116)),
        gid: numberField(block.subarray(116, 124)),
        size,
        mtime: numberField(block.subarray(136, 148)),
        linkName: decodeFsName(longLink ?? cString(block.subarray(157, 257))),
        uname: cString(block.subarray(265, 297)).toString(),
        gname: cString(block.subarray(297, 329)).toString(),
        data: Buffer.from(data),
      });
      longName = undefined;
      longLink = undefined;
    }
  }
  return members;
}

/** What this process has open (Linux). */
function openFiles(): string[] {
  return readdirSync("/proc/self/fd").map((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return "";
    }
  });
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cback-tar-"));
  onTestFinished(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

const owners: OwnerNames = {
  user: (uid) => Buffer.from(uid === 0 ? "root" : `u${uid}`),
  group: (gid) => Buffer.from(gid === 0 ? "wheel" : ""),
};

function member(path: string): ArchiveMember {
  const stat = lstatSync(encodeFsName(path));
  return { path, kind: stat.isSymbolicLink() ? "link" : "file", stat };
}

/** Run the generator to the end, copying each (borrowed) chunk. */
function collect(members: Iterable<ArchiveMember>, options: TarWriterOptions = {}) {
  const generator = tarChunks(members, { ownerNames: owners, ...options });
  const chunks: Buffer[] = [];
  for (;;) {
    const step = generator.next();
    if (step.done === true) return { archive: Buffer.concat(chunks), summary: step.value, chunks };
    chunks.push(Buffer.from(step.value));
  }
}

describe("tarChunks", () => {
  it("writes files and symlinks in the given order under names without the leading /", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "b.txt"), "bee\n");
    writeFileSync(join(dir, "a.txt"), "");
    symlinkSync("b.txt", join(dir, "link"));
    chmodSync(join(dir, "b.txt"), 0o4751);
    utimesSync(join(dir, "b.txt"), 1_600_000_000, 1_600_000_000);
    const { archive, summary } = collect(
      ["b.txt", "link", "a.txt"].map((n) => member(join(dir, n))),
    );
    const read = readTar(archive);
    const base = dir.replace(/^\/+/, "");
    expect(read.map((m) => [m.name, m.type, m.size, m.linkName])).toEqual([
      [`${base}/b.txt`, "0", 4, ""],
      [`${base}/link`, "2", 0, "b.txt"],
      [`${base}/a.txt`, "0", 0, ""],
    ]);
    expect(read[0]?.data.toString()).toBe("bee\n");
    expect(read[0]?.mode).toBe(0o4751);
    expect(read[0]?.mtime).toBe(1_600_000_000);
    expect(read[1]?.mode).toBe(0o777);
    expect(read[0]?.uname).toBe(read[0]?.uid === 0 ? "root" : `u${read[0]?.uid}`);
    expect(summary).toEqual({ members: 3, skipped: 0, bytes: archive.length });
    expect(archive.length % 10_240).toBe(0);
    expect(archive.subarray(-1024).every((byte) => byte === 0)).toBe(true);
  });

  it("stores a second name of an inode already in the archive as a hard link to the first", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "one"), "shared");
    linkSync(join(dir, "one"), join(dir, "two"));
    linkSync(join(dir, "one"), join(dir, "three"));
    const names = ["two", "one", "three", "two"].map((n) => join(dir, n));
    const read = readTar(collect(names.map(member)).archive);
    const first = names[0]?.slice(1);
    expect(read.map((m) => [m.type, m.size, m.linkName])).toEqual([
      ["0", 6, ""],
      ["1", 0, first],
      ["1", 0, first],
      // The same name again is stored again, as Python's tarfile does.
      ["0", 6, ""],
    ]);
  });

  it("writes the same bytes for files selected without an lstat (the fstat decides)", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "one"), "shared");
    linkSync(join(dir, "one"), join(dir, "two"));
    writeFileSync(join(dir, "plain"), "plain text");
    symlinkSync("plain", join(dir, "link"));
    const names = ["two", "plain", "one", "link", "two"].map((n) => join(dir, n));
    const withStat = names.map(member);
    const withoutStat = withStat.map((m): ArchiveMember =>
      m.kind === "file" ? { path: m.path, kind: "file" } : m,
    );
    const expected = collect(withStat).archive;
    expect(collect(withoutStat).archive.equals(expected)).toBe(true);
    expect(readTar(expected).map((m) => m.type)).toEqual(["0", "0", "1", "2", "0"]);
  });

  it("skips a file selected without an lstat that is now a directory", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "was-file"));
    writeFileSync(join(dir, "ok"), "ok");
    const skipped: string[] = [];
    const { archive, summary } = collect(
      [
        { path: join(dir, "was-file"), kind: "file" },
        { path: join(dir, "ok"), kind: "file" },
      ],
      { onSkip: (path, reason) => skipped.push(`${path}: ${reason}`) },
    );
    expect(readTar(archive).map((m) => m.name)).toEqual([join(dir, "ok").slice(1)]);
    expect(summary.skipped).toBe(1);
    expect(skipped).toEqual([`${join(dir, "was-file")}: it is no longer a regular file`]);
  });

  it("does not link to a first name that could not be added", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "d"));
    writeFileSync(join(dir, "d/one"), "x");
    linkSync(join(dir, "d/one"), join(dir, "two"));
    const first = member(join(dir, "d/one"));
    // Turn the first name into a directory after selection: it is skipped.
    unlinkSync(join(dir, "d/one"));
    mkdirSync(join(dir, "d/one"));
    const read = readTar(collect([first, member(join(dir, "two"))]).archive);
    expect(read.map((m) => m.type)).toEqual(["0"]);
  });

  it("uses ././@LongLink records for long names and targets and keeps raw non-UTF-8 bytes", () => {
    const dir = tempDir();
    const deep = join(dir, "d".repeat(120));
    mkdirSync(deep);
    const long = join(deep, "f".repeat(200));
    writeFileSync(long, "long");
    const latin = decodeFsName(Buffer.concat([Buffer.from(`${dir}/caf`), Buffer.of(0xe9)]));
    writeFileSync(encodeFsName(latin), "latin");
    const target = `/${"t".repeat(150)}`;
    symlinkSync(target, join(dir, "far"));
    const read = readTar(collect([long, latin, join(dir, "far")].map(member)).archive);
    expect(read.map((m) => [m.name, m.linkName, m.data.toString()])).toEqual([
      [long.slice(1), "", "long"],
      [latin.slice(1), "", "latin"],
      [join(dir, "far").slice(1), target, ""],
    ]);
  });

  it("produces the same stream whatever the chunk size, with no chunk larger than it", () => {
    const dir = tempDir();
    const sizes = [0, 1, 511, 512, 513, 1023, 1024, 4095, 70_000, 3];
    const members = sizes.map((size, index) => {
      const path = join(dir, `f${index}`);
      writeFileSync(path, Buffer.alloc(size, index + 1));
      return member(path);
    });
    const reference = collect(members).archive;
    for (const chunkSize of [512, 1024, 1536, 65_536]) {
      const { archive, chunks } = collect(members, { chunkSize });
      expect(archive.equals(reference)).toBe(true);
      expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThanOrEqual(chunkSize);
    }
    expect(readTar(reference).map((m) => m.data.length)).toEqual(sizes);
  });

  it("refuses a chunk size that is not a multiple of 512", () => {
    expect(() => tarChunks([], { chunkSize: 1000 }).next()).toThrow(RangeError);
  });

  it("skips members that vanished or changed type, and goes on", () => {
    const dir = tempDir();
    for (const name of ["gone", "dir", "now-link", "kept"]) {
      writeFileSync(join(dir, name), name);
    }
    symlinkSync("kept", join(dir, "lost-link"));
    const members = ["gone", "dir", "now-link", "kept", "lost-link"].map((n) =>
      member(join(dir, n)),
    );
    unlinkSync(join(dir, "gone"));
    unlinkSync(join(dir, "dir"));
    mkdirSync(join(dir, "dir"));
    unlinkSync(join(dir, "now-link"));
    symlinkSync("kept", join(dir, "now-link"));
    unlinkSync(join(dir, "lost-link"));
    const skips: [string, string][] = [];
    const { archive, summary } = collect(members, {
      onSkip: (path, reason) => skips.push([path.slice(dir.length + 1), reason]),
    });
    expect(skips).toEqual([
      ["gone", "it no longer exists"],
      ["dir", "it is no longer a regular file"],
      ["now-link", "it is now a symbolic link"],
      ["lost-link", "it no longer exists"],
    ]);
    expect(readTar(archive).map((m) => m.data.toString())).toEqual(["kept"]);
    expect(summary).toMatchObject({ members: 1, skipped: 4 });
  });

  it("skips a member whose selection type does not match its kind", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "sub"));
    const stat = lstatSync(join(dir, "sub"));
    const skips: string[] = [];
    collect(
      [
        { path: join(dir, "sub"), kind: "file", stat },
        { path: join(dir, "sub"), kind: "link", stat },
      ],
      { onSkip: (_path, reason) => skips.push(reason) },
    );
    expect(skips).toEqual(["it is not a regular file", "it is not a symbolic link"]);
  });

  it("pads a file that shrinks while being read with zeros and reports it", () => {
    const dir = tempDir();
    const path = join(dir, "shrinks");
    writeFileSync(path, Buffer.alloc(2000, 0x61));
    const changes: string[] = [];
    const generator = tarChunks([member(path)], {
      ownerNames: owners,
      chunkSize: 512,
      onChanged: (_path, reason) => changes.push(reason),
    });
    const chunks = [Buffer.from(generator.next().value as Uint8Array)];
    truncateSync(path, 700);
    for (let step = generator.next(); step.done !== true; step = generator.next()) {
      chunks.push(Buffer.from(step.value));
    }
    const [read] = readTar(Buffer.concat(chunks));
    expect(read?.size).toBe(2000);
    expect(read?.data.subarray(0, 700).every((byte) => byte === 0x61)).toBe(true);
    expect(read?.data.subarray(700).every((byte) => byte === 0)).toBe(true);
    expect(changes).toEqual([
      "file shrank while being read: 700 of 2000 bytes; the rest is stored as zeros",
    ]);
  });

  it.each([
    ["ends inside a chunk", 100],
    ["ends on a chunk boundary", 1024],
  ])("cuts a file that grows while being read at its header size (%s)", (_what, size) => {
    const dir = tempDir();
    const path = join(dir, "grows");
    writeFileSync(path, Buffer.alloc(size, 0x62));
    const changes: string[] = [];
    const generator = tarChunks([member(path), member(path)], {
      ownerNames: owners,
      chunkSize: 512,
      onChanged: (_path, reason) => changes.push(reason),
    });
    const chunks = [Buffer.from(generator.next().value as Uint8Array)];
    appendFileSync(path, "more");
    for (let step = generator.next(); step.done !== true; step = generator.next()) {
      chunks.push(Buffer.from(step.value));
    }
    const read = readTar(Buffer.concat(chunks));
    expect(read.map((m) => m.size)).toEqual([size, size + 4]);
    expect(read[0]?.data.every((byte) => byte === 0x62)).toBe(true);
    expect(changes).toEqual([`file grew while being read; stored its first ${size} bytes`]);
  });

  it("leaves out the archive itself, as Python's tarfile does", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "x.tar"), "old archive");
    writeFileSync(join(dir, "y"), "y");
    const members = [member(join(dir, "x.tar")), member(join(dir, "y"))];
    const read = readTar(collect(members, { archivePath: join(dir, ".", "x.tar") }).archive);
    expect(read.map((m) => m.data.toString())).toEqual(["y"]);
  });

  it("reports progress after each member and stops with InterruptedError when aborted", () => {
    const dir = tempDir();
    const members = ["a", "b", "c"].map((name) => {
      writeFileSync(join(dir, name), name.repeat(600));
      return member(join(dir, name));
    });
    const controller = new AbortController();
    const progress: [number, number][] = [];
    const run = () =>
      collect(members, {
        signal: controller.signal,
        onMember: (count, bytes) => {
          progress.push([count, bytes]);
          if (count === 2) controller.abort();
        },
      });
    expect(run).toThrow(InterruptedError);
    expect(progress).toEqual([
      [1, 512 + 1024],
      [2, 2 * (512 + 1024)],
    ]);
  });

  it("closes the file it is reading when the consumer stops early", () => {
    const dir = tempDir();
    const path = join(dir, "big");
    writeFileSync(path, Buffer.alloc(8192, 1));
    const generator = tarChunks([member(path)], { ownerNames: owners, chunkSize: 512 });
    generator.next();
    generator.next();
    generator.return({ members: 0, skipped: 0, bytes: 0 });
    expect(openFiles()).not.toContain(path);
  });
});
