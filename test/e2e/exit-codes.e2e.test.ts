import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { spawnCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";
import { writeTestConfig } from "../support/config-builder.js";
import { waitFor } from "../support/wait-for.js";

const RECORD = resolve("test/fixtures/extensions/record.mjs");
const extension = (name: string, fn = name, index = 500) => `
      <action><name>${name}</name><module>${RECORD}</module><function>${fn}</function><index>${index}</index></action>`;

const MYSQL = `<action><name>mysql</name><module>CedarBackup3.extend.mysql</module><function>executeAction</function><index>99</index></action>`;

function setup(parts: Parameters<typeof writeTestConfig>[1] = {}) {
  const dir = tempDir();
  const config = writeTestConfig(dir, parts);
  const base = ["--config", config, "--logfile", join(dir, "cback.log")];
  return { dir, config, base, env: { CBACK_LOCK_DIR: dir } };
}

describe("exit codes of the built cback", () => {
  it("0: --help prints the usage on stderr", async () => {
    const r = await spawnCli(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("Usage: cback [switches] action(s)");
    expect(r.stdout).toBe("");
  });

  it("0: --version prints the version on stdout", async () => {
    const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string })
      .version;
    const r = await spawnCli(["--version"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(version);
  });

  it("0: the built command runs through its shebang, with the node options it names", () => {
    const entry = resolve("dist/cli/cback.js");
    const shebang = readFileSync(entry, "utf8").split("\n")[0] ?? "";
    // The options are in the shebang (ADR 0009); env -S hands them to node.
    expect(shebang).toMatch(/^#!\/usr\/bin\/env -S node( --[a-z-]+=\S+)+$/);
    const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string })
      .version;
    // Run the file itself, as the kernel runs an installed `cback`: node refuses an option it
    // does not know, so this fails if a Node version drops one.
    const stdout = execFileSync(entry, ["--version"], { encoding: "utf8" });
    expect(stdout).toContain(version);
  });

  it("0: --diagnostics prints Cedar's diagnostics block on stdout", async () => {
    const r = await spawnCli(["--diagnostics"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Diagnostics:/m);
    for (const key of ["Encoding", "Interpreter", "Locale", "Platform", "Timestamp", "Version"]) {
      expect(r.stdout).toMatch(new RegExp(`^   ${key}\\.+: .+$`, "m"));
    }
    expect(r.stdout).toContain(`Node.js ${process.version}`);
  });

  it("0: the log file's timestamps follow TZ, as the C library's (and so Cedar's) do", async () => {
    const { dir, base, env } = setup();
    const r = await spawnCli([...base, "validate"], { env: { ...env, TZ: "Europe/Berlin" } });
    expect(r.status).toBe(0);
    const lines = readFileSync(join(dir, "cback.log"), "utf8").trim().split("\n");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d CES?T --> /);
    }
  });

  it("0: a valid configuration runs validate and reports success", async () => {
    const { base, env } = setup();
    const r = await spawnCli([...base, "--verbose", "validate"], { env });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Configuration is valid.");
  });

  it.each([
    [["--bogus", "validate"], "option --bogus not recognized"],
    [["-c"], "option -c requires argument"],
    [["--m", "collect"], "not a unique prefix"],
    [["--managed", "--managed-only", "collect"], "managed"],
    [[], "At least one action must be specified"],
    [["--owner", "nocolon", "collect"], "owner"],
    [["--mode", "999", "collect"], "mode"],
  ])("2: %j is a usage error", async (argv, message) => {
    const r = await spawnCli(argv);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Usage: cback");
    expect(r.stderr).toContain(" *** Error: ");
    expect(r.stderr).toContain(message);
  });

  it("3: a log file that cannot be created", async () => {
    const { config } = setup();
    const r = await spawnCli(["-c", config, "-l", "/nonexistent/dir/cback.log", "validate"]);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain("Error setting up logging");
    expect(r.stderr).toContain("/nonexistent/dir/cback.log");
  });

  it("4: an invalid configuration names the file, line, column and element", async () => {
    const dir = tempDir();
    const config = join(dir, "bad.conf");
    writeFileSync(
      config,
      `<cb_config>\n <options>\n  <starting_day>Monday</starting_day>\n </options>\n <purge/>\n</cb_config>\n`,
    );
    const r = await spawnCli(["-c", config, "-l", join(dir, "log"), "validate"]);
    expect(r.status).toBe(4);
    expect(r.stdout).toContain(`${config}:3:3: options/starting_day: must be one of monday`);
    expect(r.stdout).toContain("options/working_dir");
    expect(readFileSync(join(dir, "log"), "utf8")).toContain("completed with status 4");
  });

  it("4: a configuration with a DTD is refused (no entity expansion), naming the line", async () => {
    const dir = tempDir();
    const config = join(dir, "dtd.conf");
    writeFileSync(
      config,
      `<?xml version="1.0"?>\n<!DOCTYPE cb_config [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<cb_config>&x;</cb_config>\n`,
    );
    const r = await spawnCli(["-c", config, "-l", join(dir, "log"), "validate"]);
    expect(r.status).toBe(4);
    expect(r.stdout).toContain(
      `${config}:2:1: document type declarations (<!DOCTYPE>) are refused`,
    );
  });

  it("4: a switch after the first action is an unknown action (getopt stops there)", async () => {
    const { base, env } = setup();
    const r = await spawnCli([...base, "purge", "--full"], { env });
    expect(r.status).toBe(4);
    expect(r.stdout).toContain("--full");
  });

  it.each([
    [["validate", "purge"], "may not be combined"],
    [["all", "all"], "may not be combined"],
    [["nosuchaction"], "nosuchaction"],
  ])("4: action list %j is refused", async (actions, message) => {
    const { base, env } = setup();
    const r = await spawnCli([...base, ...actions], { env });
    expect(r.status).toBe(4);
    expect(r.stdout).toContain(message);
  });

  it("4: an extension that cannot be resolved fails every run, requested or not", async () => {
    const { base, env } = setup({
      extra: `<extensions>${extension("nofn", "notAFunction")}</extensions>`,
    });
    const r = await spawnCli([...base, "purge"], { env });
    expect(r.status).toBe(4);
    expect(r.stdout).toContain('has no exported function "notAFunction"');
  });

  it("5: SIGINT during a hook ends the run as interrupted", async () => {
    const { base, env, dir } = setup({
      extra: `<extensions>${extension("a")}</extensions>`,
      optionsExtra: `<pre_action_hook><action>a</action><command>sleep 30</command></pre_action_hook>`,
    });
    const run = spawnCli([...base, "a"], { env });
    await waitFor(() => readLog(dir).includes("pre-action hook"));
    run.kill("SIGINT");
    const r = await run;
    expect(r.status).toBe(5);
    expect(readLog(dir)).toContain("Backup interrupted.");
  });

  it("6: a failing pre-action hook stops the run before the action", async () => {
    const { base, env, dir } = setup({
      extra: `<extensions>${extension("a")}</extensions>`,
      optionsExtra: `<pre_action_hook><action>a</action><command>sh -c "exit 3"</command></pre_action_hook>`,
    });
    const r = await spawnCli([...base, "a"], { env });
    expect(r.status).toBe(6);
    expect(r.stdout).toContain("error (3) executing pre-action hook for action a");
    expect(() => readFileSync(join(dir, "work", "order.log"))).toThrow();
  });

  it("6: a failing extension", async () => {
    const { base, env } = setup({
      extra: `<extensions>${extension("oops", "broken")}</extensions>`,
    });
    const r = await spawnCli([...base, "oops"], { env });
    expect(r.status).toBe(6);
    expect(r.stdout).toContain("broken on purpose");
  });

  it("6: a built-in extension this version does not implement says so", async () => {
    const { base, env } = setup({
      extra: `<extensions>${MYSQL}</extensions>
        <mysql><compress_mode>gzip</compress_mode><all>Y</all></mysql>`,
    });
    const r = await spawnCli([...base, "mysql"], { env });
    expect(r.status).toBe(6);
    expect(r.stdout).toContain("the mysql extension is not implemented yet");
  });

  it("6: a broken extension section fails that extension only, when it runs", async () => {
    const { base, env, dir } = setup({
      extra: `<extensions>${MYSQL}${extension("a")}</extensions>
        <mysql><compress_mode>zip</compress_mode></mysql>`,
    });
    const other = await spawnCli([...base, "a"], { env });
    expect(other.status).toBe(0);
    expect(readFileSync(join(dir, "work", "order.log"), "utf8")).toBe("a\n");
    const r = await spawnCli([...base, "mysql"], { env });
    expect(r.status).toBe(6);
    expect(r.stdout).toMatch(
      /the <mysql> section is not valid:\n.*cback\.conf:\d+:\d+: mysql\/compress_mode: must be one of none, gzip, bzip2, got "zip"/,
    );
    const validate = await spawnCli([...base, "validate"], { env });
    expect(validate.status).toBe(0);
    expect(validate.stdout).toContain(
      'mysql/compress_mode: must be one of none, gzip, bzip2, got "zip"',
    );
    expect(validate.stdout).toContain("Configuration is not valid.");
  });

  it("1: with --stack an error escapes with a stack trace and exit 1", async () => {
    const { base, env } = setup({
      extra: `<extensions>${extension("oops", "broken")}</extensions>`,
    });
    const r = await spawnCli([...base, "--stack", "oops"], { env });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("broken on purpose");
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, "cback.log"), "utf8");
  } catch {
    return "";
  }
}
