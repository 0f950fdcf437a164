import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { syncDirectory, writeFileAtomic } from "./atomic-write.js";

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cback-atomic-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe("writeFileAtomic", () => {
  it("creates a file with the given content and leaves no temporary file", async () => {
    const dir = await tempDir();
    const path = join(dir, "state.json");
    await writeFileAtomic(path, '{"a":1}\n');
    expect(await readFile(path, "utf8")).toBe('{"a":1}\n');
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("replaces an existing file and writes bytes as given", async () => {
    const dir = await tempDir();
    const path = join(dir, "data.bin");
    await writeFile(path, "old content that is longer");
    await writeFileAtomic(path, new Uint8Array([0, 255, 10]));
    expect([...(await readFile(path))]).toEqual([0, 255, 10]);
  });

  it.each([0o600, 0o640, 0o777])("applies mode %o exactly, whatever the umask", async (mode) => {
    const dir = await tempDir();
    const path = join(dir, "f");
    await writeFileAtomic(path, "x", { mode });
    expect((await stat(path)).mode & 0o777).toBe(mode);
  });

  it("fails without touching the target when the directory is missing", async () => {
    const dir = await tempDir();
    await expect(writeFileAtomic(join(dir, "missing", "f"), "x")).rejects.toMatchObject({
      code: "ENOENT",
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it("removes its temporary file when the rename fails", async () => {
    const dir = await tempDir();
    const target = join(dir, "target");
    await mkdir(join(target, "not-empty"), { recursive: true });
    await expect(writeFileAtomic(target, "x")).rejects.toThrow();
    expect(await readdir(dir)).toEqual(["target"]);
  });
});

describe("syncDirectory", () => {
  it("syncs an existing directory and reports a missing one", async () => {
    const dir = await tempDir();
    await expect(syncDirectory(dir)).resolves.toBeUndefined();
    await expect(syncDirectory(join(dir, "nope"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
