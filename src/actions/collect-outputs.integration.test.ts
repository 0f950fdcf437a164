import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { actionContext } from "../../test/support/collect-context.js";
import { listTar } from "../../test/support/tar-listing.js";
import { tempDir } from "../../test/support/temp-dir.js";
import type { Config } from "../config/types.js";
import { buildNormalizedPath } from "../domain/collect-plan.js";
import { decodeDigestPickle } from "../domain/pickle.js";
import { collectAction } from "./collect.js";

const THURSDAY = new Date(2026, 10, 26, 12, 0, 0);

function config(root: string, user: string, group: string): Config {
  for (const dir of ["work", "collect", "src"]) mkdirSync(join(root, dir), { recursive: true });
  return {
    options: {
      startingDay: "monday",
      workingDir: join(root, "work"),
      backupUser: user,
      backupGroup: group,
      rcpCommand: "scp",
    },
    collect: {
      targetDir: join(root, "collect"),
      collectMode: "incr",
      archiveMode: "tarbz2",
      ignoreFile: ".cbignore",
      collectDirs: [{ absPath: join(root, "src") }],
    },
  };
}

const idOf = (database: string, name: string) =>
  Number(execFileSync("getent", [database, name], { encoding: "utf8" }).split(":")[2]);

describe("collect outputs as root", () => {
  it("archive, digest and indicator are chowned to the backup user and group (Cedar's rule)", async () => {
    const root = tempDir();
    const cfg = config(root, "nobody", "nogroup");
    writeFileSync(join(root, "src", "a.txt"), "a");
    const { ctx, logger } = actionContext(cfg, { now: THURSDAY });
    const asRoot = process.getuid?.() === 0;
    await collectAction({ ...ctx, isRoot: asRoot });
    const name = buildNormalizedPath(join(root, "src"));
    const outputs = [
      join(root, "collect", `${name}.tar.bz2`),
      join(root, "work", `${name}.sha`),
      join(root, "collect", "cback.collect"),
    ];
    if (asRoot) {
      for (const path of outputs) {
        expect(statSync(path).uid).toBe(idOf("passwd", "nobody"));
        expect(statSync(path).gid).toBe(idOf("group", "nogroup"));
      }
    } else {
      // Not root: Cedar never chowns, so the files stay ours and nothing is logged as an error.
      for (const path of outputs) expect(statSync(path).uid).toBe(process.getuid?.());
      expect(logger.records.filter((r) => r.level === "error")).toEqual([]);
    }
  });

  it("an unknown backup user is logged at ERROR and collect still succeeds (chown is not fatal)", async () => {
    const root = tempDir();
    const cfg = config(root, "no-such-user-here", "no-such-group-here");
    writeFileSync(join(root, "src", "a.txt"), "a");
    const { ctx, logger } = actionContext(cfg, { now: THURSDAY });
    await collectAction({ ...ctx, isRoot: true });
    expect(
      logger.records.some((r) => r.level === "error" && r.message.includes("no-such-user-here")),
    ).toBe(true);
  });
});

describe("collect with names that are not UTF-8", () => {
  it("stores the raw bytes in the archive and Python's \\udcXX spelling in the digest", async () => {
    const root = tempDir();
    const cfg = config(root, "nobody", "nogroup");
    const src = join(root, "src");
    writeFileSync(
      Buffer.concat([Buffer.from(`${src}/caf`), Buffer.from([0xe9]), Buffer.from(".txt")]),
      "latin-1 name",
    );
    writeFileSync(join(src, "naïve.txt"), "utf-8 name");
    await collectAction(actionContext(cfg, { now: THURSDAY, full: true }).ctx);
    const name = buildNormalizedPath(src);
    const digest = decodeDigestPickle(readFileSync(join(root, "work", `${name}.sha`)));
    expect([...digest.keys()].map((k) => k.slice(src.length)).sort()).toEqual([
      "/caf\udce9.txt",
      "/naïve.txt",
    ]);
    const members = listTar(join(root, "collect", `${name}.tar.bz2`)).map((m) =>
      m.name.slice(src.length - 1),
    );
    expect(members.sort()).toEqual(["/caf\\351.txt", "/naïve.txt"]);
    const python = execFileSync(
      "python3",
      [
        "-c",
        "import sys,tarfile\nfor m in tarfile.open(sys.argv[1]): print(ascii(m.name))",
        join(root, "collect", `${name}.tar.bz2`),
      ],
      { encoding: "utf8" },
    );
    expect(python).toContain("caf\\udce9.txt");
  });
});
