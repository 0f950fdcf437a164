import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildNormalizedPath } from "../../src/domain/collect-plan.js";
import { decodeDigestPickle } from "../../src/domain/pickle.js";
import { decodeStatCache } from "../../src/domain/stat-cache.js";
import { writeTestConfig } from "../support/config-builder.js";
import { spawnCli } from "../support/run-cli.js";
import { listTar } from "../support/tar-listing.js";
import { tempDir } from "../support/temp-dir.js";
import { waitFor } from "../support/wait-for.js";

// An incremental collect writes its new digest and stat cache progressively to temporary
// files beside them while it archives: a kill then leaves those behind, never a partial
// state under the real names, and the next run clears them and is right.

function tree(src: string, files: number): void {
  mkdirSync(src, { recursive: true });
  for (let i = 0; i < files; i++) {
    const chunk = Buffer.alloc(40_000);
    for (let j = 0; j < chunk.length; j += 4)
      chunk.writeUInt32LE((i * 2654435761 + j * 40503) >>> 0, j);
    writeFileSync(join(src, `f${String(i).padStart(4, "0")}.bin`), chunk);
  }
}

describe("collect killed while it streams its new state", () => {
  it("leaves the old state or the new complete one, and the next run clears the rest", async () => {
    const dir = tempDir();
    const src = join(dir, "src");
    tree(src, 800);
    const config = writeTestConfig(dir, {
      extra: `<collect><collect_dir>${dir}/collect</collect_dir><collect_mode>incr</collect_mode>
        <archive_mode>targz</archive_mode><ignore_file>.cbignore</ignore_file>
        <dir><abs_path>${src}</abs_path></dir></collect>`,
    });
    const full = ["-c", config, "-l", join(dir, "cback.log"), "--full", "collect"];
    const incremental = full.filter((a) => a !== "--full");
    const env = { CBACK_LOCK_DIR: dir };
    const work = join(dir, "work");
    const sha = join(work, `${buildNormalizedPath(src)}.sha`);
    const archive = join(dir, "collect", `${buildNormalizedPath(src)}.tar.gz`);
    const temporaries = () => readdirSync(work).filter((name) => name.endsWith(".tmp"));
    /** Whatever state is under the real names is complete. */
    const checkState = () => {
      for (const name of readdirSync(work)) {
        if (name.endsWith(".sha"))
          expect(() => decodeDigestPickle(readFileSync(join(work, name)))).not.toThrow();
        if (name.endsWith(".sha-cache"))
          expect(() => decodeStatCache(readFileSync(join(work, name)))).not.toThrow();
      }
    };
    /** Run, and kill the run once its new state is being written (or after `delayMs`). */
    const killWhileStreaming = async (args: string[], delayMs: number) => {
      const run = spawnCli(args, { env });
      await waitFor(() => temporaries().length > 0, 20_000).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      run.kill("SIGKILL");
      await run;
      if (temporaries().length > 0) leftBehind += 1;
      checkState();
    };
    let leftBehind = 0;

    mkdirSync(work, { recursive: true });
    for (const delayMs of [0, 150, 400]) await killWhileStreaming(full, delayMs);
    expect(leftBehind).toBeGreaterThan(0); // the window this test is about was hit
    const first = await spawnCli(full, { env });
    expect(first.status).toBe(0);
    expect(temporaries()).toEqual([]);
    expect(decodeDigestPickle(readFileSync(sha)).size).toBe(800);

    // Day 2: three files change; runs killed while streaming must not lose them.
    for (const i of [3, 400, 799])
      writeFileSync(join(src, `f${String(i).padStart(4, "0")}.bin`), `changed ${i}`);
    for (const delayMs of [0, 100]) await killWhileStreaming(incremental, delayMs);
    const second = await spawnCli(incremental, { env });
    expect(second.status).toBe(0);
    expect(temporaries()).toEqual([]);
    expect(
      listTar(archive)
        .map((m) => m.name.split("/").pop())
        .sort(),
    ).toEqual(["f0003.bin", "f0400.bin", "f0799.bin"]);
    expect(readdirSync(join(dir, "collect")).filter((n) => n.startsWith("."))).toEqual([]);
    checkState();
  }, 180_000);
});
