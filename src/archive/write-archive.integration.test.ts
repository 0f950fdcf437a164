import { execFileSync } from "node:child_process";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { ExternalCommandError, InterruptedError } from "../errors/cback-error.js";
import { createNodeRunner } from "../exec/node-runner.js";
import { createMemoryLogger } from "../log/logger.js";
import { findParallelBzip2 } from "./compressor.js";
import type { ArchiveMember } from "./tar-writer.js";
import { writeArchive, type WriteArchiveDeps } from "./write-archive.js";

const PATH = process.env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin";

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cback-archive-it-"));
  onTestFinished(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function sh(script: string, ...args: string[]): Buffer {
  return execFileSync("sh", ["-c", script, "sh", ...args], { maxBuffer: 1 << 30 });
}

/** Some compressible and some random files, a symlink and a long name: `megabytes` in all. */
function tree(root: string, megabytes: number): ArchiveMember[] {
  const paths: string[] = [];
  let seed = 42;
  for (let index = 0; index < megabytes; index++) {
    const content = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < content.length; i++) {
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      content[i] = index % 3 === 0 ? seed & 0xff : 97 + ((i * 7 + (seed & 3)) % 26);
    }
    const path = join(root, `part-${index}.dat`);
    writeFileSync(path, content);
    paths.push(path);
  }
  const deep = join(root, "n".repeat(120));
  mkdirSync(deep);
  writeFileSync(join(deep, "long"), "long name\n");
  paths.push(join(deep, "long"));
  symlinkSync("part-0.dat", join(root, "link"));
  paths.push(join(root, "link"));
  return paths.map((path) => {
    const stat = lstatSync(path);
    return { path, kind: stat.isSymbolicLink() ? "link" : "file", stat };
  });
}

function deps(
  overrides: Omit<Partial<WriteArchiveDeps>, "runner" | "logger"> = {},
  programs = new Map<string, string>(),
) {
  const logger = createMemoryLogger();
  const runner = createNodeRunner({ env: { PATH }, logger, overrides: programs });
  return { runner, logger, ...overrides };
}

const parallel = await findParallelBzip2(
  createNodeRunner({ env: { PATH }, logger: createMemoryLogger() }),
  PATH,
);

const PYTHON_READ = `
import sys, tarfile
with tarfile.open(sys.argv[1], "r:*") as tar:
    for member in tar.getmembers():
        data = tar.extractfile(member).read() if member.isfile() else b""
        print(member.name, member.type.decode(), len(data))
`;

function pythonListing(archive: string): string {
  return execFileSync("python3", ["-c", PYTHON_READ, archive], { encoding: "utf8" });
}

describe("writeArchive with real compressors", () => {
  it("writes a parallel gzip that gzip, tar and Python read as the plain tar", async () => {
    const work = tempDir();
    const members = tree(mkdirReturn(join(work, "src")), 24);
    await writeArchive(join(work, "a.tar"), "tar", members, deps());
    const target = join(work, "a.tar.gz");
    await writeArchive(target, "targz", members, deps({ gzip: { blockSize: 256 * 1024 } }));

    sh('gzip -t "$1"', target);
    expect(sh('gzip -dc "$1"', target).equals(readFileSync(join(work, "a.tar")))).toBe(true);
    expect(sh('gzip -dc "$1" | tar -tf -', target).toString()).toBe(
      members.map((m) => `${m.path.slice(1)}\n`).join(""),
    );
    expect(pythonListing(target)).toBe(pythonListing(join(work, "a.tar")));
    const viaPythonGzip = execFileSync(
      "python3",
      ["-c", "import gzip, sys; sys.stdout.buffer.write(gzip.open(sys.argv[1]).read())", target],
      { maxBuffer: 1 << 30 },
    );
    expect(viaPythonGzip.equals(readFileSync(join(work, "a.tar")))).toBe(true);
  });

  it("writes bzip2 through the bzip2 program when no parallel one is found", async () => {
    const work = tempDir();
    const members = tree(mkdirReturn(join(work, "src")), 3);
    await writeArchive(join(work, "a.tar"), "tar", members, deps());
    const target = join(work, "a.tar.bz2");
    const withoutParallel = deps({ searchPath: join(work, "none") });
    await writeArchive(target, "tarbz2", members, withoutParallel);
    expect(
      withoutParallel.logger.records.some((r) =>
        r.message.startsWith("Executing command ['bzip2']"),
      ),
    ).toBe(true);
    sh('bzip2 -t "$1"', target);
    expect(sh('bzip2 -dc "$1"', target).equals(readFileSync(join(work, "a.tar")))).toBe(true);
    expect(pythonListing(target)).toBe(pythonListing(join(work, "a.tar")));
    expect(readdirSync(work).sort()).toEqual(["a.tar", "a.tar.bz2", "src"]);
  });

  it.skipIf(parallel.size === 0)(
    "writes bzip2 through lbzip2 or pbzip2 when installed (standard bzip2 output)",
    async () => {
      const work = tempDir();
      const members = tree(mkdirReturn(join(work, "src")), 3);
      await writeArchive(join(work, "a.tar"), "tar", members, deps());
      for (const [name, path] of parallel) {
        const target = join(work, `${name}.tar.bz2`);
        const { runner, logger } = deps();
        // Only this one program on the search path: the choice is not left to chance.
        const only = join(work, `bin-${name}`);
        mkdirSync(only);
        symlinkSync(path, join(only, name));
        await writeArchive(target, "tarbz2", members, { runner, logger, searchPath: only });
        expect(logger.records.some((r) => r.message.includes(`${name}'] with args`))).toBe(true);
        sh('bzip2 -t "$1"', target);
        expect(sh('bzip2 -dc "$1"', target).equals(readFileSync(join(work, "a.tar")))).toBe(true);
      }
    },
  );

  it("leaves no file when bzip2 is killed in the middle", async () => {
    const work = tempDir();
    const members = tree(mkdirReturn(join(work, "src")), 6);
    const out = mkdirReturn(join(work, "out"));
    const target = join(out, "a.tar.bz2");
    writeFileSync(target, "yesterday");
    const killer = join(work, "bzip2-dies");
    writeFileSync(killer, "#!/bin/sh\nhead -c 2000000 | bzip2 -c\nkill -KILL $$\n");
    chmodSync(killer, 0o755);
    const run = writeArchive(target, "tarbz2", members, {
      ...deps({}, new Map([["bzip2", killer]])),
      searchPath: join(work, "none"),
    });
    await expect(run).rejects.toThrow(ExternalCommandError);
    await expect(run).rejects.toThrow("was killed by SIGKILL");
    expect(readdirSync(out)).toEqual(["a.tar.bz2"]);
    expect(readFileSync(target, "utf8")).toBe("yesterday");
  });

  it.each(["targz", "tarbz2"] as const)(
    "stops a running %s archive on abort and removes its temporary file",
    async (mode) => {
      const work = tempDir();
      const members = tree(mkdirReturn(join(work, "src")), 8);
      const out = mkdirReturn(join(work, "out"));
      const controller = new AbortController();
      const run = writeArchive(join(out, "a.archive"), mode, members, {
        ...deps(),
        searchPath: join(work, "none"),
        signal: controller.signal,
        onProgress: (files) => {
          if (files === 4) controller.abort();
        },
      });
      await expect(run).rejects.toThrow(InterruptedError);
      expect(readdirSync(out)).toEqual([]);
    },
  );
});

function mkdirReturn(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}
