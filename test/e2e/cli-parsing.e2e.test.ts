import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTestConfig } from "../support/config-builder.js";
import { spawnCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

const FIXTURES = resolve("test/fixtures/configs/cedar");

function setup() {
  const dir = tempDir();
  const config = writeTestConfig(dir);
  return { dir, config, log: join(dir, "cback.log"), env: { CBACK_LOCK_DIR: dir } };
}

describe("option and action parsing of the built cback (getopt rules)", () => {
  it("unique prefixes of long options and --opt=value", async () => {
    const { config, log, env } = setup();
    const r = await spawnCli([`--conf=${config}`, "--logf", log, "--verb", "validate"], { env });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      `Options were [--verbose --config "${config}" --logfile "${log}" "validate" ]`,
    );
  });

  it("clustered short options with an attached value", async () => {
    const { config, log, env } = setup();
    const r = await spawnCli(["-bO", `-c${config}`, `-l${log}`, "validate"], { env });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Options were [--verbose --config");
    expect(r.stdout).toContain("--output");
  });

  it("the long form of a value switch beats the short one, whatever the order", async () => {
    const { config, log, env } = setup();
    const r = await spawnCli(
      ["--config", config, "-c", "/nonexistent.conf", "-l", log, "-b", "validate"],
      {
        env,
      },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`--config "${config}"`);
  });

  it("-- ends the switches; the words after it are actions", async () => {
    const { config, log, env } = setup();
    const r = await spawnCli(["-c", config, "-l", log, "--", "--verbose"], { env });
    expect(r.status).toBe(4);
    expect(r.stdout).toContain("--verbose");
  });

  it("--quiet wins over --verbose: nothing on screen, the log still written", async () => {
    const { config, log, env } = setup();
    const r = await spawnCli(["-c", config, "-l", log, "-b", "-q", "validate"], { env });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
    expect(readFileSync(log, "utf8")).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d UTC --> \[INFO {3}\] Cedar Backup run started\.$/m,
    );
  });

  it("a new log file gets --mode; an existing one is left alone", async () => {
    const { config, log, env } = setup();
    expect(
      (await spawnCli(["-c", config, "-l", log, "-m", "600", "validate"], { env })).status,
    ).toBe(0);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect(
      (await spawnCli(["-c", config, "-l", log, "-m", "644", "validate"], { env })).status,
    ).toBe(0);
    expect(statSync(log).mode & 0o777).toBe(0o600);
  });
});

describe("validate on Cedar's own fixtures", () => {
  it("a valid fixture loads and validate prints what this machine lacks (exit 0)", async () => {
    const dir = tempDir();
    const r = await spawnCli(
      ["-c", join(FIXTURES, "cback.conf.1"), "-l", join(dir, "log"), "validate"],
      {
        env: { CBACK_LOCK_DIR: dir },
      },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('options/working_dir: directory "/opt/backup/tmp" does not exist');
    expect(r.stdout).toContain("Configuration is not valid.");
  });

  it("a valid fixture whose extensions name Python modules cannot run here (exit 4, as in Cedar)", async () => {
    const dir = tempDir();
    const r = await spawnCli(
      ["-c", join(FIXTURES, "cback.conf.21"), "-l", join(dir, "log"), "validate"],
      {
        env: { CBACK_LOCK_DIR: dir },
      },
    );
    expect(r.status).toBe(4);
    expect(r.stdout).toMatch(
      /cback\.conf\.21:\d+:\d+: extensions\/action\[1\]: cannot load extension module "something\.whatever"/,
    );
  });

  it("an invalid fixture exits 4, naming the file, line, column and element", async () => {
    const dir = tempDir();
    const file = join(FIXTURES, "cback.conf.7");
    const r = await spawnCli(["-c", file, "-l", join(dir, "log"), "validate"], {
      env: { CBACK_LOCK_DIR: dir },
    });
    expect(r.status).toBe(4);
    expect(r.stdout).toMatch(new RegExp(`${file.replaceAll(".", "\\.")}:\\d+:\\d+: .*options`));
  });
});
