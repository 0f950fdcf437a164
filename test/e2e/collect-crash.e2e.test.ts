import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildNormalizedPath } from "../../src/domain/collect-plan.js";
import { decodeDigestPickle } from "../../src/domain/pickle.js";
import { writeTestConfig } from "../support/config-builder.js";
import { spawnCli } from "../support/run-cli.js";
import { listTar } from "../support/tar-listing.js";
import { tempDir } from "../support/temp-dir.js";
import { waitFor } from "../support/wait-for.js";

function bigTree(src: string, files: number): void {
  mkdirSync(src, { recursive: true });
  for (let i = 0; i < files; i++) {
    // Incompressible-ish content so gzip takes a while.
    const chunk = Buffer.alloc(200_000);
    for (let j = 0; j < chunk.length; j += 4)
      chunk.writeUInt32LE((i * 2654435761 + j * 40503) >>> 0, j);
    writeFileSync(join(src, `f${String(i).padStart(4, "0")}.bin`), chunk);
  }
}

describe("collect killed with SIGKILL", () => {
  it("never leaves a half archive under the real name, and the next run is right", async () => {
    const dir = tempDir();
    const src = join(dir, "src");
    bigTree(src, 150);
    const config = writeTestConfig(dir, {
      extra: `<collect><collect_dir>${dir}/collect</collect_dir><collect_mode>incr</collect_mode>
        <archive_mode>targz</archive_mode><ignore_file>.cbignore</ignore_file>
        <dir><abs_path>${src}</abs_path></dir></collect>`,
    });
    const args = ["-c", config, "-l", join(dir, "cback.log"), "--full", "collect"];
    const env = { CBACK_LOCK_DIR: dir };
    const archive = join(dir, "collect", `${buildNormalizedPath(src)}.tar.gz`);
    const sha = join(dir, "work", `${buildNormalizedPath(src)}.sha`);

    for (const delayMs of [150, 400, 700, 1000]) {
      const run = spawnCli(args, { env });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      run.kill("SIGKILL");
      await run;
      // Whatever is there under a real name is complete.
      for (const name of readdirSync(join(dir, "collect"))) {
        if (name.endsWith(".tar.gz"))
          expect(() => execFileSync("gzip", ["-t", join(dir, "collect", name)])).not.toThrow();
      }
    }
    // Day 1 completes.
    const first = await spawnCli(args, { env });
    expect(first.status).toBe(0);
    expect(listTar(archive)).toHaveLength(150);
    expect(decodeDigestPickle(readFileSync(sha)).size).toBe(150);

    // Day 2: three files change; a run killed mid-way must not lose them.
    for (const i of [3, 70, 140])
      writeFileSync(join(src, `f${String(i).padStart(4, "0")}.bin`), `changed ${i}`);
    const incremental = args.filter((a) => a !== "--full");
    const starts = () =>
      readFileSync(join(dir, "cback.log"), "utf8").split("Executing the 'collect'").length;
    const before = starts();
    const killed = spawnCli(incremental, { env });
    await waitFor(() => starts() > before, 20_000);
    killed.kill("SIGKILL");
    await killed;
    const second = await spawnCli(incremental, { env });
    expect(second.status).toBe(0);
    expect(
      listTar(archive)
        .map((m) => m.name.split("/").pop())
        .sort(),
    ).toEqual(["f0003.bin", "f0070.bin", "f0140.bin"]);
    expect(readdirSync(join(dir, "collect")).filter((n) => n.startsWith("."))).toEqual([]);
  }, 120_000);
});
