import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  closeSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { decodeFsName, encodeFsName } from "../domain/fs-name.js";
import { createNodeRunner } from "../exec/node-runner.js";
import { createMemoryLogger } from "../log/logger.js";
import type { ArchiveMember } from "./tar-writer.js";
import { writeArchive } from "./write-archive.js";

const isRoot = process.getuid?.() === 0;

/** Cedar's way of writing a tarfile (CedarBackup3 filesystem.py generateTarfile, tar mode). */
const CEDAR_TARFILE = `
import os, sys, tarfile
target, listing = sys.argv[1], sys.argv[2]
paths = [os.fsdecode(p) for p in open(listing, "rb").read().split(b"\\0") if p]
tar = tarfile.open(target, "w:")
tar.format = tarfile.GNU_FORMAT
for path in paths:
    tar.add(path, recursive=False)
tar.close()
`;

/** Extract with Python's tarfile, checking that every member is listed first. */
const PYTHON_EXTRACT = `
import sys, tarfile
with tarfile.open(sys.argv[1]) as tar:
    members = tar.getmembers()
    trusted = {"filter": "fully_trusted"} if hasattr(tarfile, "fully_trusted_filter") else {}
    tar.extractall(sys.argv[2], numeric_owner=True, **trusted)
print(len(members))
`;

function tempDir(prefix = "cback-tar-it-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function raw(path: string): Buffer {
  return encodeFsName(path);
}

function member(path: string): ArchiveMember {
  const stat = lstatSync(raw(path));
  return { path, kind: stat.isSymbolicLink() ? "link" : "file", stat };
}

function deps() {
  const logger = createMemoryLogger();
  const runner = createNodeRunner({
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" },
    logger,
  });
  return { runner, logger };
}

/** A tree with every kind of name and metadata collect must carry; returns its paths in order. */
function richTree(root: string): string[] {
  const paths: string[] = [];
  const file = (path: string, content: string | Buffer, mode?: number): string => {
    writeFileSync(raw(path), content);
    if (mode !== undefined) chmodSync(raw(path), mode);
    paths.push(path);
    return path;
  };
  const link = (target: string, path: string): void => {
    symlinkSync(raw(target), raw(path));
    paths.push(path);
  };
  file(join(root, "plain.txt"), "plain\n");
  file(join(root, "empty"), "");
  file(join(root, "setuid"), "x", 0o4755);
  file(join(root, "setgid-sticky"), "x", 0o3750);
  file(join(root, "private"), "secret", 0o600);
  // Only root can read a file without permissions; anyone else would see it skipped.
  if (isRoot) file(join(root, "no-permissions"), "none", 0o000);
  const old = file(join(root, "old"), "from 2001");
  utimesSync(old, 1_000_000_000, 1_000_000_000);
  const before1970 = file(join(root, "before-1970"), "1969");
  // Node's utimes takes a negative time as "now": set it with touch.
  execFileSync("touch", ["-d", `@${-86_400 * 200}`, before1970]);
  const fraction = file(join(root, "fraction"), "rounded by Python's float");
  execFileSync("touch", ["-h", "-d", "@1700000000.999999999", fraction]);
  // Just below the second, where Python's float does not round up (taken from the exact
  // nanoseconds), and far enough below it to be taken from the millisecond time.
  const justBelow = file(join(root, "fraction-just-below"), "stays in its second");
  execFileSync("touch", ["-h", "-d", "@1700000000.9999998", justBelow]);
  const farBelow = file(join(root, "fraction-far-below"), "milliseconds suffice");
  execFileSync("touch", ["-h", "-d", "@1700000000.99995", farBelow]);
  file(join(root, "big.bin"), Buffer.alloc(3 * 1024 * 1024 + 123, 0x5a));
  file(decodeFsName(Buffer.concat([Buffer.from(`${root}/latin-`), Buffer.of(0xe9, 0xff)])), "raw");
  file(join(root, "new\nline"), "newline");
  file(join(root, "café naïve.txt"), "utf-8");
  const deep = join(root, "d".repeat(60), "e".repeat(60));
  mkdirSync(deep, { recursive: true });
  file(join(deep, "f".repeat(90)), "over 100 bytes");
  const deeper = join(deep, "g".repeat(100), "h".repeat(100));
  mkdirSync(deeper, { recursive: true });
  file(join(deeper, "i".repeat(40)), "over 255 bytes");
  link("plain.txt", join(root, "link"));
  link(`/${"t".repeat(99)}/${"u".repeat(150)}`, join(root, "long-target"));
  link("does-not-exist", join(root, "dangling"));
  link(join(deeper, "i".repeat(40)), join(deeper, "long-link-to-long-name"));
  linkSync(join(root, "plain.txt"), join(root, "hard-1"));
  paths.push(join(root, "hard-1"));
  linkSync(join(root, "plain.txt"), join(deep, "hard-2"));
  paths.push(join(deep, "hard-2"));
  if (isRoot) {
    const owned = file(join(root, "big-ids"), "ids past 7 octal digits");
    chownSync(owned, 3_000_000, 3_000_001);
  }
  return paths;
}

function listing(dir: string, paths: string[]): string {
  const file = join(dir, "listing");
  writeFileSync(file, Buffer.concat(paths.map((path) => Buffer.concat([raw(path), Buffer.of(0)]))));
  return file;
}

/** Compare an extracted copy of `root` (under `extracted`) with the original. */
function expectSameTree(paths: string[], extracted: string): void {
  for (const path of paths) {
    const copy = raw(join(extracted, path));
    const original = lstatSync(raw(path));
    const restored = lstatSync(copy);
    expect(restored.isSymbolicLink(), path).toBe(original.isSymbolicLink());
    if (original.isSymbolicLink()) {
      expect(readlinkSync(copy, { encoding: "buffer" })).toEqual(
        readlinkSync(raw(path), { encoding: "buffer" }),
      );
      continue;
    }
    expect(readFileSync(copy).equals(readFileSync(raw(path))), path).toBe(true);
    expect(restored.mode & 0o7777, path).toBe(original.mode & 0o7777);
    // Python's int(st_mtime) of the float sec + nsec * 1e-9, as stored in the header.
    const exact = lstatSync(raw(path), { bigint: true }).mtimeNs;
    const seconds =
      Number(exact / 1_000_000_000n) - (exact < 0n && exact % 1_000_000_000n !== 0n ? 1 : 0);
    const nanoseconds = Number(exact - BigInt(seconds) * 1_000_000_000n);
    expect(restored.mtimeMs / 1000, path).toBe(Math.trunc(seconds + nanoseconds * 1e-9));
  }
}

describe("tar archives against Python's tarfile and GNU tar", () => {
  it("are byte for byte what Cedar's tarfile writes for the same members", async () => {
    const work = tempDir();
    const root = join(work, "tree");
    mkdirSync(root);
    const paths = richTree(root);
    const ours = join(work, "ours.tar");
    const cedar = join(work, "cedar.tar");
    execFileSync("python3", ["-c", CEDAR_TARFILE, cedar, listing(work, paths)]);
    const result = await writeArchive(ours, "tar", paths.map(member), deps());
    expect(result.members).toBe(paths.length);
    expect(readFileSync(ours).equals(readFileSync(cedar))).toBe(true);
  });

  it("are listed and extracted by GNU tar and by Python with names, links, modes and times", async () => {
    const work = tempDir();
    const root = join(work, "tree");
    mkdirSync(root);
    const paths = richTree(root);
    const archive = join(work, "a.tar");
    await writeArchive(archive, "tar", paths.map(member), deps());

    const names = execFileSync("tar", ["--quoting-style=literal", "-tf", archive], {
      encoding: "latin1",
    });
    expect(names).toBe(
      paths.map((path) => `${raw(path).subarray(1).toString("latin1")}\n`).join(""),
    );
    const verbose = execFileSync("tar", ["--utc", "-tvf", archive], { encoding: "latin1" });
    expect(verbose).toMatch(/^-rwsr-xr-x .*\/setuid$/m);
    expect(verbose).toMatch(/ 2001-09-09 01:46 .*\/old$/m);
    expect(verbose).toMatch(/ 1969-06-15 00:00 .*\/before-1970$/m);
    expect(verbose).toMatch(/^hrw-r--r-- .* link to /m);
    expect(verbose).toMatch(/^lrwxrwxrwx .*long-target -> \/t{99}\/u{150}$/m);
    if (isRoot) expect(verbose).toMatch(/ 3000000\/3000001 .*big-ids$/m);

    const byTar = join(work, "by-tar");
    mkdirSync(byTar);
    execFileSync("tar", ["-xpf", archive, "-C", byTar, "--numeric-owner"]);
    expectSameTree(paths, byTar);
    const first = statSync(join(byTar, root, "plain.txt"));
    expect(statSync(join(byTar, root, "hard-1")).ino).toBe(first.ino);

    const byPython = join(work, "by-python");
    mkdirSync(byPython);
    const count = execFileSync("python3", ["-c", PYTHON_EXTRACT, archive, byPython], {
      encoding: "utf8",
    });
    expect(Number(count)).toBe(paths.length);
    expectSameTree(paths, byPython);
  });

  it("skips a file that became a FIFO without blocking on it", async () => {
    const work = tempDir();
    const fifo = join(work, "fifo");
    writeFileSync(fifo, "was a file");
    const selected = member(fifo);
    rmSync(fifo);
    execFileSync("mkfifo", [fifo]);
    const skipped: string[] = [];
    const result = await writeArchive(join(work, "a.tar"), "tar", [selected], {
      ...deps(),
      onSkip: (_path, reason) => skipped.push(reason),
    });
    expect(skipped).toEqual(["it is no longer a regular file"]);
    expect(result.members).toBe(0);
    expect(execFileSync("tar", ["-tf", join(work, "a.tar")], { encoding: "utf8" })).toBe("");
  });
});

describe("a member of 8 GiB and more", () => {
  it("is stored with a base-256 size that GNU tar and Python read back", async () => {
    const work = tempDir("cback-tar-huge-");
    const huge = join(work, "sparse.bin");
    const size = 8 * 2 ** 30 + 1000;
    const fd = openSync(huge, "w");
    writeSync(fd, Buffer.from("HEAD"), 0, 4, 0);
    writeSync(fd, Buffer.from("TAIL"), 0, 4, size - 4);
    closeSync(fd);
    expect(statSync(huge).size).toBe(size);
    const archive = join(work, "huge.tar");

    const result = await writeArchive(archive, "tar", [member(huge)], deps());
    rmSync(huge);
    expect(result.tarBytes).toBeGreaterThan(size);

    const listed = execFileSync("tar", ["-tvf", archive], { encoding: "utf8" });
    expect(listed).toContain(` ${size} `);
    const pythonSize = execFileSync(
      "python3",
      ["-c", "import sys, tarfile; print(tarfile.open(sys.argv[1]).getmembers()[0].size)", archive],
      { encoding: "utf8" },
    );
    expect(Number(pythonSize)).toBe(size);

    // Extract to a pipe: counts every byte and checks both ends without 8 GiB more on disk.
    const extracted = await new Promise<{ bytes: number; head: string; tail: string }>(
      (resolve, reject) => {
        const tar = spawn("tar", ["-xOf", archive], { stdio: ["ignore", "pipe", "inherit"] });
        let bytes = 0;
        let head = "";
        let tail = Buffer.alloc(0);
        tar.stdout.on("data", (chunk: Buffer) => {
          if (bytes === 0) head = chunk.subarray(0, 4).toString();
          bytes += chunk.length;
          tail = Buffer.concat([tail, chunk]).subarray(-4);
        });
        tar.on("error", reject);
        tar.on("close", (code) => {
          if (code === 0) resolve({ bytes, head, tail: tail.toString() });
          else reject(new Error(`tar exited ${String(code)}`));
        });
      },
    );
    expect(extracted).toEqual({ bytes: size, head: "HEAD", tail: "TAIL" });
  }, 300_000);
});
