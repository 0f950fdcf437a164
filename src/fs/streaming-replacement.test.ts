import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { removeStaleTemporaries, StreamingReplacement } from "./atomic-write.js";

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cback-stream-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe("StreamingReplacement", () => {
  it("leaves the old file until commit, then puts the new one in place", async () => {
    const dir = await tempDir();
    const path = join(dir, "x.sha");
    await writeFile(path, "old");
    const file = new StreamingReplacement(path);
    file.append(Buffer.from("hello "));
    file.append(Buffer.from("world"));
    file.writeAt(Buffer.from("J"), 0);
    const back = Buffer.alloc(5);
    expect(file.read(back, 0, 5, 6)).toBe(5);
    expect(back.toString()).toBe("world");
    expect(file.read(back, 0, 5, 9)).toBe(2); // the end
    expect(await readFile(path, "utf8")).toBe("old");
    expect(await readdir(dir)).toHaveLength(2);
    expect(await file.commit()).toBe(true);
    expect(await readFile(path, "utf8")).toBe("Jello world");
    expect(await readdir(dir)).toEqual(["x.sha"]);
  });

  it("leaves a file already holding the same bytes alone", async () => {
    const dir = await tempDir();
    const path = join(dir, "same");
    await writeFile(path, "same bytes");
    const before = await stat(path);
    const file = new StreamingReplacement(path);
    file.append(Buffer.from("same bytes"));
    expect(await file.commit()).toBe(false);
    expect((await stat(path)).ino).toBe(before.ino);
    expect(await readdir(dir)).toEqual(["same"]);
  });

  it("discards: the old file stays and no temporary file is left", async () => {
    const dir = await tempDir();
    const path = join(dir, "kept");
    await writeFile(path, "old");
    const file = new StreamingReplacement(path);
    file.append(Buffer.from("new"));
    file.discard();
    file.discard();
    expect(await readFile(path, "utf8")).toBe("old");
    expect(await readdir(dir)).toEqual(["kept"]);
  });

  it("keeps a failure to open for the commit, doing nothing meanwhile", async () => {
    const dir = await tempDir();
    const file = new StreamingReplacement(join(dir, "missing", "x"));
    file.append(Buffer.from("abc"));
    const back = Buffer.alloc(3, 9);
    expect(file.read(back, 0, 3, 0)).toBe(3);
    expect([...back]).toEqual([0, 0, 0]);
    await expect(file.commit()).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("removeStaleTemporaries", () => {
  it("removes only the temporary files of that path", async () => {
    const dir = await tempDir();
    const path = join(dir, "a.sha");
    const names = [
      "a.sha",
      ".a.sha.0123456789ab.tmp",
      ".a.sha-cache.0123456789ab.tmp",
      ".a.sha.0123456789ab.tmp.keep",
      ".a.sha.xyz.tmp",
    ];
    for (const name of names) await writeFile(join(dir, name), "");
    expect(removeStaleTemporaries(path)).toEqual([join(dir, ".a.sha.0123456789ab.tmp")]);
    expect((await readdir(dir)).sort()).toEqual(names.filter((n) => n !== names[1]).sort());
    expect(removeStaleTemporaries(join(dir, "nowhere", "b"))).toEqual([]);
  });
});
