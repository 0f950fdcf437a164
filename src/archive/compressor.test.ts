import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { FakeRunner } from "../../test/support/fake-runner.js";
import type { ToolRunner } from "../exec/tool-runner.js";
import { compressorFor, findParallelBzip2, type ArchiveMode } from "./compressor.js";

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cback-compressor-"));
  onTestFinished(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function executable(path: string, mode = 0o755): string {
  writeFileSync(path, "#!/bin/sh\nexit 0\n");
  chmodSync(path, mode);
  return path;
}

describe("compressorFor", () => {
  const both = new Map([
    ["lbzip2", "/usr/bin/lbzip2"],
    ["pbzip2", "/usr/bin/pbzip2"],
  ]);
  it.each<[ArchiveMode, Map<string, string>, unknown]>([
    ["tar", both, { kind: "none" }],
    ["targz", both, { kind: "gzip", level: 6 }],
    [
      "tarbz2",
      new Map(),
      { kind: "program", invocation: { program: "bzip2", args: ["-c", "-9"] } },
    ],
    [
      "tarbz2",
      new Map([["pbzip2", "/opt/pbzip2"]]),
      { kind: "program", invocation: { program: "/opt/pbzip2", args: ["-c", "-9"] } },
    ],
    [
      "tarbz2",
      both,
      { kind: "program", invocation: { program: "/usr/bin/lbzip2", args: ["-c", "-9"] } },
    ],
  ])("%s with %j found compresses with %j", (mode, found, expected) => {
    expect(compressorFor(mode, found)).toEqual(expected);
  });
});

describe("findParallelBzip2", () => {
  it("finds executables along the search path, skipping files that cannot run", async () => {
    const dir = tempDir();
    const first = join(dir, "first");
    const second = join(dir, "second");
    mkdirSync(first);
    mkdirSync(second);
    executable(join(first, "lbzip2"), 0o644);
    executable(join(second, "lbzip2"));
    executable(join(first, "pbzip2"));
    const found = await findParallelBzip2(new FakeRunner(), `relative:${first}:${second}`);
    expect(found).toEqual(
      new Map([
        ["lbzip2", join(second, "lbzip2")],
        ["pbzip2", join(first, "pbzip2")],
      ]),
    );
    expect(await findParallelBzip2(new FakeRunner(), join(dir, "missing"))).toEqual(new Map());
  });

  it("follows the runner's <override> paths", async () => {
    const dir = tempDir();
    const override = executable(join(dir, "my-lbzip2"));
    const runner: ToolRunner = {
      run: () => Promise.reject(new Error("unused")),
      pipeline: () => Promise.reject(new Error("unused")),
      resolve: (program) =>
        program === "lbzip2" ? override : program === "pbzip2" ? join(dir, "none") : program,
    };
    expect(await findParallelBzip2(runner, "")).toEqual(new Map([["lbzip2", override]]));
  });
});
