import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FakeRunner } from "../../test/support/fake-runner.js";
import { tempDir } from "../../test/support/temp-dir.js";
import type { Config } from "../config/types.js";
import { createMemoryLogger } from "../log/logger.js";
import type { ActionContext } from "./action-context.js";
import { createValidateAction, validateConfiguration, type ValidateInput } from "./validate.js";

function context(config: Config, runner = new FakeRunner(), quiet = false) {
  const logger = createMemoryLogger();
  const ctx: ActionContext = {
    configPath: "/etc/cback.conf",
    config,
    flags: { full: false, verbose: false, debug: false, quiet },
    logger,
    runner,
    clock: { now: () => new Date("2026-11-26T12:00:00Z") },
    signal: new AbortController().signal,
    isRoot: false,
    env: { PATH: "/usr/bin:/bin" },
  };
  return { ctx, logger };
}

const noInput: ValidateInput = { configFindings: [], programs: [], overrides: new Map() };

function goodTree() {
  const dir = tempDir();
  for (const sub of ["work", "collect", "staging", "src", "peer"]) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, "src", "file.txt"), "x");
  const config: Config = {
    reference: { author: "me" },
    options: {
      startingDay: "monday",
      workingDir: join(dir, "work"),
      backupUser: "backup",
      backupGroup: "backup",
      rcpCommand: "/usr/bin/scp -B",
    },
    collect: {
      targetDir: join(dir, "collect"),
      collectDirs: [{ absPath: join(dir, "src") }],
      collectFiles: [{ absPath: join(dir, "src", "file.txt") }],
    },
    stage: {
      targetDir: join(dir, "staging"),
      localPeers: [{ type: "local", name: "peer", collectDir: join(dir, "peer") }],
    },
    purge: { purgeDirs: [{ absPath: join(dir, "collect"), retainDays: 0 }] },
  };
  return { dir, config };
}

describe("validateConfiguration", () => {
  it("finds nothing wrong with a complete, existing setup", async () => {
    const { config } = goodTree();
    const { ctx } = context(config);
    expect(await validateConfiguration(ctx, noInput)).toEqual([]);
  });

  it("reports every missing directory, file, user and group, each naming its element", async () => {
    const { dir, config } = goodTree();
    const broken: Config = {
      ...config,
      reference: undefined as never,
      options: { ...config.options, workingDir: join(dir, "nowork") },
      collect: {
        ...config.collect,
        collectDirs: [{ absPath: join(dir, "src") }, { absPath: join(dir, "gone") }],
        collectFiles: [{ absPath: join(dir, "src") }],
      },
      purge: { purgeDirs: [{ absPath: join(dir, "nopurge"), retainDays: 1 }] },
    };
    delete (broken as { reference?: unknown }).reference;
    const runner = new FakeRunner({ getent: { status: 2 } });
    const { ctx } = context(broken, runner);
    const findings = await validateConfiguration(ctx, noInput);
    expect(findings.map((f) => f.message.replaceAll(dir, "<dir>"))).toEqual([
      "the <reference> section is missing: add one describing this configuration",
      'options/working_dir: directory "<dir>/nowork" does not exist',
      'options/backup_user: user "backup" does not exist on this host',
      'options/backup_group: group "backup" does not exist on this host',
      'collect/dir[2]/abs_path: directory "<dir>/gone" does not exist',
      'collect/file[1]/abs_path: file "<dir>/src" is not a regular file',
      'purge/dir[1]/abs_path: directory "<dir>/nopurge" does not exist',
    ]);
    expect(runner.argvs()).toEqual([
      ["getent", "passwd", "backup"],
      ["getent", "group", "backup"],
    ]);
  });

  it("a file where a directory is expected is reported as such", async () => {
    const { dir, config } = goodTree();
    const { ctx } = context({ ...config, stage: { targetDir: join(dir, "src", "file.txt") } });
    const findings = await validateConfiguration(ctx, noInput);
    expect(findings.map((f) => f.message.replaceAll(dir, "<dir>"))).toEqual([
      'stage/staging_dir: directory "<dir>/src/file.txt" is not a directory',
    ]);
  });

  it("resolves programs through PATH and the overrides, and names what needs each", async () => {
    const { config } = goodTree();
    const { ctx } = context(config);
    const findings = await validateConfiguration(ctx, {
      configFindings: [],
      programs: [
        { program: "sh", neededBy: "hook" },
        { program: "no-such-program-here", neededBy: "the mysql extension" },
        { program: "mkisofs", neededBy: "store" },
        { program: "sh", neededBy: "a second hook" },
      ],
      overrides: new Map([["mkisofs", "/nonexistent/genisoimage"]]),
    });
    expect(findings.map((f) => f.message)).toEqual([
      'program "no-such-program-here" (needed by the mysql extension) is not installed: install it or add an <override> in <options>',
      'program "mkisofs" (needed by store) is overridden to "/nonexistent/genisoimage", which is not an executable file',
    ]);
  });

  it("includes the loading findings (extension sections, warnings) with their positions", async () => {
    const { config } = goodTree();
    const { ctx } = context(config);
    const findings = await validateConfiguration(ctx, {
      ...noInput,
      configFindings: [
        {
          severity: "error",
          file: "/etc/cback.conf",
          path: "mysql/all",
          line: 4,
          column: 7,
          message: "bad",
        },
        { severity: "warning", path: "peers/peer[2]/type", message: "dropped" },
      ],
    });
    expect(findings).toEqual([
      { severity: "error", message: "/etc/cback.conf:4:7: mysql/all: bad" },
      { severity: "warning", message: "warning: peers/peer[2]/type: dropped" },
    ]);
  });
});

describe("the validate action", () => {
  it("logs each finding at ERROR and says the configuration is not valid, without failing", async () => {
    const { config } = goodTree();
    const { ctx, logger } = context({
      ...config,
      options: { ...config.options, workingDir: "/nonexistent/w" },
    });
    await createValidateAction(noInput)(ctx);
    expect(logger.records.filter((r) => r.level === "error").map((r) => r.message)).toEqual([
      'options/working_dir: directory "/nonexistent/w" does not exist',
      "Configuration is not valid.",
    ]);
  });

  it("says the configuration is valid at INFO when nothing is wrong", async () => {
    const { config } = goodTree();
    const { ctx, logger } = context(config);
    await createValidateAction(noInput)(ctx);
    expect(logger.records).toEqual([{ level: "info", message: "Configuration is valid." }]);
  });

  it("with --quiet, findings go to INFO (as Cedar)", async () => {
    const { config } = goodTree();
    const { ctx, logger } = context(
      { ...config, options: { ...config.options, workingDir: "/nonexistent/w" } },
      undefined,
      true,
    );
    await createValidateAction(noInput)(ctx);
    expect(logger.records.every((r) => r.level === "info")).toBe(true);
    expect(logger.records.at(-1)?.message).toBe("Configuration is not valid.");
  });
});
