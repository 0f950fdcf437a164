import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it, onTestFinished } from "vitest";
import { syncFilesWhileCopying } from "./staging-area.js";

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cback-staging-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe("syncFilesWhileCopying", () => {
  it("fsyncs the finished files while copying, never the one written last", async () => {
    const dir = await tempDir();
    const copying = (async () => {
      await writeFile(join(dir, "a"), "first");
      await sleep(30);
      await writeFile(join(dir, "b"), "second");
      await sleep(200);
    })();
    const synced = await syncFilesWhileCopying(dir, copying, 20);
    expect([...synced]).toEqual(["a"]);
  });

  it("rejects with the copy's error once the copy failed", async () => {
    const dir = await tempDir();
    const copying = sleep(50).then(() => {
      throw new Error("scp failed");
    });
    await expect(syncFilesWhileCopying(dir, copying, 10)).rejects.toThrow("scp failed");
  });
});
