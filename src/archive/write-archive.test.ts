import {
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it, onTestFinished } from "vitest";
import { InterruptedError } from "../errors/cback-error.js";
import type { Invocation, PipelineOptions, ToolRunner } from "../exec/tool-runner.js";
import { createMemoryLogger } from "../log/logger.js";
import type { OwnerNames } from "./owner-names.js";
import { tarChunks, type ArchiveMember } from "./tar-writer.js";
import { ArchiveWriteError, writeArchive, type WriteArchiveDeps } from "./write-archive.js";

const owners: OwnerNames = {
  user: () => Buffer.from("someone"),
  group: () => Buffer.from("some-group"),
};

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cback-archive-"));
  onTestFinished(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** A tree of `count` files of 3000 bytes each, as archive members. */
function tree(dir: string, count = 3): ArchiveMember[] {
  return Array.from({ length: count }, (_, index) => {
    const path = join(dir, `file-${index}`);
    writeFileSync(path, Buffer.alloc(3000, 65 + index));
    return { path, kind: "file" as const, stat: lstatSync(path) };
  });
}

function plainTar(members: ArchiveMember[], target: string): Buffer {
  return Buffer.concat(
    [...tarChunks(members, { ownerNames: owners, archivePath: target })].map((c) => Buffer.from(c)),
  );
}

/** A runner whose pipeline copies its streamed input to the file, recording the call. */
class CopyingRunner implements ToolRunner {
  readonly pipelines: { stages: readonly Invocation[]; toFile: string; opts?: PipelineOptions }[] =
    [];
  run(): never {
    throw new Error("not used");
  }
  async pipeline(stages: readonly Invocation[], toFile: string, opts?: PipelineOptions) {
    this.pipelines.push({ stages, toFile, ...(opts === undefined ? {} : { opts }) });
    const parts: Buffer[] = [];
    for await (const chunk of opts?.input ?? []) parts.push(Buffer.from(chunk));
    await writeFile(toFile, Buffer.concat(parts), { mode: 0o600 });
  }
  resolve(program: string): string {
    return program;
  }
}

function deps(overrides: Partial<WriteArchiveDeps> = {}): WriteArchiveDeps {
  return {
    runner: new CopyingRunner(),
    logger: createMemoryLogger(),
    ownerNames: owners,
    searchPath: "",
    ...overrides,
  };
}

describe("writeArchive", () => {
  it("writes a plain tarfile with mode 0600 under the target name only", async () => {
    const source = tempDir();
    const out = tempDir();
    const members = tree(source);
    const target = join(out, "srv-x.tar");
    writeFileSync(target, "yesterday's archive");
    const progress: number[] = [];
    const result = await writeArchive(
      target,
      "tar",
      members,
      deps({
        onProgress: (files) => progress.push(files),
      }),
    );
    const expected = plainTar(members, target);
    expect(readFileSync(target).equals(expected)).toBe(true);
    expect(result).toEqual({
      members: 3,
      skipped: 0,
      bytes: expected.length,
      tarBytes: expected.length,
    });
    expect(progress).toEqual([1, 2, 3]);
    expect(statSync(target).mode & 0o7777).toBe(0o600);
    expect(readdirSync(out)).toEqual(["srv-x.tar"]);
  });

  it("applies the requested file mode exactly", async () => {
    const out = tempDir();
    const target = join(out, "a.tar");
    await writeArchive(target, "tar", tree(tempDir(), 1), deps({ fileMode: 0o640 }));
    expect(statSync(target).mode & 0o7777).toBe(0o640);
    await writeArchive(
      join(out, "a.tar.bz2"),
      "tarbz2",
      tree(tempDir(), 1),
      deps({ fileMode: 0o644 }),
    );
    expect(statSync(join(out, "a.tar.bz2")).mode & 0o7777).toBe(0o644);
  });

  it("gzips the same tar stream with the file name and the clock's time in the header", async () => {
    const source = tempDir();
    const out = tempDir();
    const members = tree(source, 5);
    const target = join(out, "srv-x.tar.gz");
    const result = await writeArchive(
      target,
      "targz",
      members,
      deps({
        clock: { now: () => new Date(1_700_000_000_500) },
        gzip: { blockSize: 32 * 1024, concurrency: 2 },
      }),
    );
    const written = readFileSync(target);
    expect(gunzipSync(written).equals(plainTar(members, target))).toBe(true);
    expect(written.readUInt32LE(4)).toBe(1_700_000_000);
    expect(written.subarray(10, 10 + "srv-x.tar".length + 1).toString("latin1")).toBe(
      "srv-x.tar\0",
    );
    expect(result.bytes).toBe(written.length);
    expect(result.tarBytes).toBe(plainTar(members, target).length);
  });

  it("streams the tar into bzip2 -c -9 through the runner's pipeline, onto the target", async () => {
    const source = tempDir();
    const out = tempDir();
    const members = tree(source);
    const target = join(out, "x.tar.bz2");
    const runner = new CopyingRunner();
    const controller = new AbortController();
    const result = await writeArchive(
      target,
      "tarbz2",
      members,
      deps({ runner, signal: controller.signal }),
    );
    expect(runner.pipelines.map((p) => [p.stages, p.toFile, p.opts?.signal])).toEqual([
      [[{ program: "bzip2", args: ["-c", "-9"] }], target, controller.signal],
    ]);
    expect(readFileSync(target).equals(plainTar(members, target))).toBe(true);
    expect(result).toMatchObject({ members: 3, skipped: 0 });
  });

  it("reports skipped members, and logs Cedar's message when nobody listens", async () => {
    const source = tempDir();
    const members = tree(source);
    unlinkSync(members[1]?.path ?? "");
    const skipped: string[] = [];
    const result = await writeArchive(
      join(tempDir(), "a.tar"),
      "tar",
      members,
      deps({
        onSkip: (path, reason) => skipped.push(`${path}: ${reason}`),
      }),
    );
    expect(skipped).toEqual([`${members[1]?.path}: it no longer exists`]);
    expect(result).toMatchObject({ members: 2, skipped: 1 });

    const logger = createMemoryLogger();
    await writeArchive(join(tempDir(), "a.tar"), "tar", members, deps({ logger }));
    expect(logger.records).toContainEqual({
      level: "info",
      message: `Unable to add file [${members[1]?.path}]; going on anyway.`,
    });
  });

  it("removes temporary files that an interrupted run left for the same target", async () => {
    const out = tempDir();
    const leftovers = [".a.tar.partial-0123456789ab", ".a.tar.0123456789ab.tmp"];
    const kept = [
      ".a.tar.partial-xyz",
      ".b.tar.partial-0123456789ab",
      "a.tar.partial-0123456789ab",
    ];
    for (const name of [...leftovers, ...kept]) writeFileSync(join(out, name), "junk");
    await writeArchive(join(out, "a.tar"), "tar", tree(tempDir(), 1), deps());
    expect(readdirSync(out).sort()).toEqual([...kept, "a.tar"].sort());
  });

  it.each(["tar", "targz", "tarbz2"] as const)(
    "in %s mode stops on abort, keeps the old target and leaves no temporary file",
    async (mode) => {
      const out = tempDir();
      const target = join(out, "a.archive");
      writeFileSync(target, "old");
      const controller = new AbortController();
      const members = tree(tempDir(), 4);
      const run = writeArchive(
        target,
        mode,
        members,
        deps({
          signal: controller.signal,
          onProgress: (files) => {
            if (files === 2) controller.abort();
          },
        }),
      );
      await expect(run).rejects.toThrow(InterruptedError);
      expect(readdirSync(out)).toEqual(["a.archive"]);
      expect(readFileSync(target, "utf8")).toBe("old");
    },
  );

  it("does nothing when the signal is already aborted", async () => {
    const out = tempDir();
    const run = writeArchive(
      join(out, "a.tar"),
      "tar",
      tree(tempDir(), 1),
      deps({
        signal: AbortSignal.abort(),
      }),
    );
    await expect(run).rejects.toThrow(InterruptedError);
    expect(readdirSync(out)).toEqual([]);
  });

  it("fails with ArchiveWriteError when the archive cannot be written", async () => {
    const target = join(tempDir(), "missing-dir", "a.tar");
    const run = writeArchive(target, "targz", tree(tempDir(), 1), deps());
    await expect(run).rejects.toThrow(ArchiveWriteError);
    await expect(run).rejects.toThrow(`cannot write archive [${target}]: ENOENT`);
  });
});
