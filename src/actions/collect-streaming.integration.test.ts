import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { actionContext } from "../../test/support/collect-context.js";
import { listTar } from "../../test/support/tar-listing.js";
import { tempDir } from "../../test/support/temp-dir.js";
import type { ArchiveMode, Config } from "../config/types.js";
import { buildNormalizedPath, tarfileName } from "../domain/collect-plan.js";
import { encodeDigestPickle } from "../domain/pickle.js";
import { selectDirContents } from "../fs/select-files.js";
import { collectAction } from "./collect.js";

// An incremental collect streams changed files into its archive and its new state into
// temporary files; these tests hold it to the output of the former whole-pass design.

const THURSDAY = new Date(2026, 10, 26, 12, 0, 0);
const hex = (text: string): string => createHash("sha1").update(text).digest("hex");

function setup(archiveMode: ArchiveMode, files: Readonly<Record<string, string>>) {
  const root = tempDir();
  const src = join(root, "src");
  mkdirSync(src);
  const old = new Date(Date.now() - 3_600_000);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(src, name), content);
    utimesSync(join(src, name), old, old);
  }
  mkdirSync(join(root, "work"));
  mkdirSync(join(root, "collect"));
  const config: Config = {
    options: {
      startingDay: "monday",
      workingDir: join(root, "work"),
      backupUser: "backup",
      backupGroup: "backup",
      rcpCommand: "/usr/bin/scp -B",
    },
    collect: {
      targetDir: join(root, "collect"),
      collectMode: "incr",
      archiveMode,
      collectDirs: [{ absPath: src }],
    },
  };
  const walk = selectDirContents(src, {
    excludePaths: [],
    excludePatterns: [],
    linkDepth: 0,
    dereference: false,
  }).map((entry) => entry.path);
  return {
    root,
    src,
    config,
    walk,
    sha: join(root, "work", `${buildNormalizedPath(src)}.sha`),
    tar: join(root, "collect", tarfileName(src, archiveMode)),
  };
}

const names = (tar: string): string[] =>
  listTar(tar)
    .map((member) => member.name.split("/").pop() ?? "")
    .sort();

describe("an incremental collect streaming into its archive", () => {
  it.each<ArchiveMode>(["tar", "targz"])(
    "%s: redoes the archive when the old digest turns out not exact after a file went in",
    async (mode) => {
      const content: Record<string, string> = { a: "1", b: "2", c: "3", d: "4" };
      const { root, src, config, walk, sha, tar } = setup(mode, content);
      const run = async (full: boolean) => {
        const { ctx, logger } = actionContext(config, { now: THURSDAY, full });
        await collectAction(ctx);
        return logger.records.map((record) => record.message);
      };
      await run(true);
      const [first = "", second = "", ...rest] = walk;
      const base = (path: string): string => content[path.slice(src.length + 1)] ?? "";
      // In walk order: the first entry agrees (answered "unchanged" from the cursor), the
      // second differs (archived at once), and the first comes again at the end with a stale
      // digest: only at the end is the file seen not to be exact, and a dict read from it
      // says the first file changed too.
      writeFileSync(
        sha,
        encodeDigestPickle([
          [first, hex(base(first))],
          [second, hex("older")],
          ...rest.map((path): [string, string] => [path, hex(base(path))]),
          [first, hex("stale")],
        ]),
      );
      const messages = await run(false);
      expect(messages).toContain(`Reading the old state of [${src}] again, indexed.`);
      expect(names(tar)).toEqual([first, second].map((path) => path.slice(src.length + 1)).sort());
      expect(
        readFileSync(sha).equals(encodeDigestPickle(walk.map((path) => [path, hex(base(path))]))),
      ).toBe(true);
      expect(readdirSync(join(root, "work")).filter((n) => n.startsWith("."))).toEqual([]);
      expect(readdirSync(join(root, "collect")).filter((n) => n.startsWith("."))).toEqual([]);
    },
  );

  it("writes nothing new and no tarfile when nothing changed, and clears stale temporaries", async () => {
    const { root, src, config, sha } = setup("tar", { a: "1", b: "2" });
    const later = new Date(Date.now() + 60_000);
    await collectAction(actionContext(config, { now: later, full: true }).ctx);
    const before = readdirSync(join(root, "work")).sort();
    expect(before).toEqual([
      `${buildNormalizedPath(src)}.sha`,
      `${buildNormalizedPath(src)}.sha-cache`,
    ]);
    // What a run killed while it streamed its state leaves behind.
    writeFileSync(
      join(root, "work", `.${buildNormalizedPath(src)}.sha.0123456789ab.tmp`),
      "(dp0\n",
    );
    writeFileSync(
      join(root, "work", `.${buildNormalizedPath(src)}.sha-cache.ba9876543210.tmp`),
      "",
    );
    const shaBefore = readFileSync(sha);
    const { ctx, logger } = actionContext(config, { now: later });
    await collectAction(ctx);
    expect(logger.records.map((r) => r.message)).toContain(
      `Nothing changed in [${src}]; no tarfile written.`,
    );
    expect(readdirSync(join(root, "work")).sort()).toEqual(before);
    expect(readFileSync(sha).equals(shaBefore)).toBe(true);
  });

  it("an item whose archive fails keeps its old state and leaves no temporary file", async () => {
    const { root, config, sha, tar } = setup("tar", { a: "1" });
    await collectAction(actionContext(config, { now: THURSDAY, full: true }).ctx);
    const shaBefore = readFileSync(sha);
    writeFileSync(join(root, "src", "b"), "new");
    // The archive's own name taken by a directory: the rename over it fails.
    rmSync(tar);
    mkdirSync(join(tar, "inside"), { recursive: true });
    await expect(collectAction(actionContext(config, { now: THURSDAY }).ctx)).rejects.toThrow();
    expect(readFileSync(sha).equals(shaBefore)).toBe(true);
    expect(readdirSync(join(root, "work")).filter((n) => n.startsWith("."))).toEqual([]);
  });
});
