import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { formatConfigIssue, type ConfigIssue } from "../errors/cback-error.js";
import { loadConfig, parseConfig, readConfigSections, type ConfigResult } from "./load-config.js";
import type { SectionReader } from "./section-reader.js";
import type { Config } from "./types.js";
import { parseXml } from "./xml/parse-xml.js";
import { addIssue, createReadContext, readString } from "./xml/read-fields.js";
import { element, textElement } from "./xml/write-xml.js";

const FIXTURES = new URL("../../test/fixtures/configs/cedar/", import.meta.url);

async function fixtureText(n: number): Promise<string> {
  return readFile(new URL(`cback.conf.${n}`, FIXTURES), "utf8");
}

async function loadFixture(n: number): Promise<ConfigResult> {
  return parseConfig(await fixtureText(n), { file: `cback.conf.${n}` });
}

/** The as-written Config of a fixture, whether or not it passes the document rules. */
async function readFixture(n: number): Promise<Config> {
  const { root } = parseXml(await fixtureText(n));
  const ctx = createReadContext();
  const config = readConfigSections(root, ctx);
  expect(ctx.issues).toEqual([]);
  return config;
}

function rendered(issues: readonly ConfigIssue[]): string {
  return issues.map(formatConfigIssue).join("\n");
}

function okConfig(result: ConfigResult): Config {
  if (!result.ok) throw new Error(`expected a valid config:\n${rendered(result.issues)}`);
  return result.config;
}

function issuesOf(result: ConfigResult): string {
  if (result.ok) throw new Error("expected an invalid config");
  return rendered(result.issues);
}

const OPTIONS = `<options><starting_day>monday</starting_day><working_dir>/w</working_dir>
<backup_user>backup</backup_user><backup_group>backup</backup_group>
<rcp_command>scp -B</rcp_command></options>`;

/** Parse `<cb_config>` holding `body` after a valid options section. */
function parseBody(body: string): ConfigResult {
  return parseConfig(`<cb_config>\n${OPTIONS}\n${body}\n</cb_config>\n`, { file: "t.conf" });
}

describe("Cedar's cback.conf.N fixtures (cedar-extensions.md §6.3)", () => {
  it.each([1, 15, 20, 21])("cback.conf.%i is valid", async (n) => {
    const result = await loadFixture(n);
    expect(result.ok ? [] : rendered(result.issues)).toEqual([]);
    expect(result.ok && result.warnings).toEqual([]);
  });

  it("rejects cback.conf.2: empty document", async () => {
    expect(issuesOf(await loadFixture(2))).toMatchInlineSnapshot(`
      "cback.conf.2:3:1: at least one of the collect, stage, store and purge sections is required
      cback.conf.2:3:1: options: section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command"
    `);
  });

  it("rejects cback.conf.3: reference only (required fields)", async () => {
    expect(issuesOf(await loadFixture(3))).toMatchInlineSnapshot(`
      "cback.conf.3:3:1: at least one of the collect, stage, store and purge sections is required
      cback.conf.3:3:1: options: section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command"
    `);
  });

  it("rejects cback.conf.4: reference only (all fields)", async () => {
    expect(issuesOf(await loadFixture(4))).toMatchInlineSnapshot(`
      "cback.conf.4:3:1: at least one of the collect, stage, store and purge sections is required
      cback.conf.4:3:1: options: section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command"
    `);
  });

  it("rejects cback.conf.5: options only (required fields)", async () => {
    expect(issuesOf(await loadFixture(5))).toMatchInlineSnapshot(
      `"cback.conf.5:3:1: at least one of the collect, stage, store and purge sections is required"`,
    );
  });

  it("rejects cback.conf.6: options only (all fields)", async () => {
    expect(issuesOf(await loadFixture(6))).toMatchInlineSnapshot(
      `"cback.conf.6:3:1: at least one of the collect, stage, store and purge sections is required"`,
    );
  });

  it("rejects cback.conf.7: collect only, one dir", async () => {
    expect(issuesOf(await loadFixture(7))).toMatchInlineSnapshot(
      `"cback.conf.7:3:1: options: section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command"`,
    );
  });

  it("rejects cback.conf.8: collect only, all fields", async () => {
    expect(issuesOf(await loadFixture(8))).toMatchInlineSnapshot(
      `"cback.conf.8:3:1: options: section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command"`,
    );
  });

  it("rejects cback.conf.9: stage only (required fields)", async () => {
    expect(issuesOf(await loadFixture(9))).toMatchInlineSnapshot(`
      "cback.conf.9:3:1: options: section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command
      cback.conf.9:6:7: stage/peer/backup_user: must be set here or as options/backup_user
      cback.conf.9:6:7: stage/peer/rcp_command: must be set here or as options/rcp_command"
    `);
  });

  it("rejects cback.conf.10: stage only (all fields)", async () => {
    expect(issuesOf(await loadFixture(10))).toMatchInlineSnapshot(`
      "cback.conf.10:3:1: options: section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command
      cback.conf.10:16:7: stage/peer[3]/backup_user: must be set here or as options/backup_user
      cback.conf.10:16:7: stage/peer[3]/rcp_command: must be set here or as options/rcp_command"
    `);
  });

  it("rejects cback.conf.11: store only (required fields)", async () => {
    expect(issuesOf(await loadFixture(11))).toMatchInlineSnapshot(
      `"cback.conf.11:3:1: options: section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command"`,
    );
  });

  it("rejects cback.conf.12: store only (all fields)", async () => {
    expect(issuesOf(await loadFixture(12))).toMatchInlineSnapshot(
      `"cback.conf.12:3:1: options: section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command"`,
    );
  });

  it("rejects cback.conf.13: purge only (required fields)", async () => {
    expect(issuesOf(await loadFixture(13))).toMatchInlineSnapshot(
      `"cback.conf.13:3:1: options: section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command"`,
    );
  });

  it("rejects cback.conf.14: purge only (all fields)", async () => {
    expect(issuesOf(await loadFixture(14))).toMatchInlineSnapshot(
      `"cback.conf.14:3:1: options: section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command"`,
    );
  });

  it("rejects cback.conf.16: extensions only, minimal", async () => {
    expect(issuesOf(await loadFixture(16))).toMatchInlineSnapshot(`
      "cback.conf.16:3:1: at least one of the collect, stage, store and purge sections is required
      cback.conf.16:3:1: options: section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command"
    `);
  });

  it("rejects cback.conf.17: collect only, one file", async () => {
    expect(issuesOf(await loadFixture(17))).toMatchInlineSnapshot(
      `"cback.conf.17:3:1: options: section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command"`,
    );
  });

  it("rejects cback.conf.18: extensions only, index mode", async () => {
    expect(issuesOf(await loadFixture(18))).toMatchInlineSnapshot(`
      "cback.conf.18:3:1: at least one of the collect, stage, store and purge sections is required
      cback.conf.18:3:1: options: section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command"
    `);
  });

  it("rejects cback.conf.19: extensions only, dependency mode", async () => {
    expect(issuesOf(await loadFixture(19))).toMatchInlineSnapshot(`
      "cback.conf.19:3:1: at least one of the collect, stage, store and purge sections is required
      cback.conf.19:3:1: options: section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command"
    `);
  });

  it("rejects cback.conf.22: peers only (required fields)", async () => {
    expect(issuesOf(await loadFixture(22))).toMatchInlineSnapshot(`
      "cback.conf.22:3:1: at least one of the collect, stage, store and purge sections is required
      cback.conf.22:3:1: options: section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command
      cback.conf.22:5:7: peers/peer/backup_user: must be set here or as options/backup_user
      cback.conf.22:5:7: peers/peer/rcp_command: must be set here or as options/rcp_command"
    `);
  });

  it("rejects cback.conf.23: peers only (all fields)", async () => {
    expect(issuesOf(await loadFixture(23))).toMatchInlineSnapshot(`
      "cback.conf.23:3:1: at least one of the collect, stage, store and purge sections is required
      cback.conf.23:3:1: options: section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command
      cback.conf.23:15:7: peers/peer[3]/backup_user: must be set here or as options/backup_user
      cback.conf.23:15:7: peers/peer[3]/rcp_command: must be set here or as options/rcp_command
      cback.conf.23:28:7: peers/peer[5]/managed_actions: must list at least one action here or in options/managed_actions (the peer is managed)
      cback.conf.23:38:7: peers/peer[6]/backup_user: must be set here or as options/backup_user
      cback.conf.23:38:7: peers/peer[6]/rcp_command: must be set here or as options/rcp_command"
    `);
  });
});

describe("what the fixtures parse to", () => {
  it("cback.conf.1 (Cedar v1.x sample): every section", async () => {
    expect(okConfig(await loadFixture(1))).toEqual({
      reference: {
        author: "$Author: pronovic $",
        revision: "1.3",
        description: "Sample configuration",
      },
      options: {
        startingDay: "tuesday",
        workingDir: "/opt/backup/tmp",
        backupUser: "backup",
        backupGroup: "backup",
        rcpCommand: "/usr/bin/scp -1 -B",
      },
      collect: {
        targetDir: "/opt/backup/collect",
        archiveMode: "targz",
        ignoreFile: ".cbignore",
        collectDirs: [
          { absPath: "/etc", collectMode: "daily" },
          { absPath: "/var/log", collectMode: "incr" },
          {
            absPath: "/opt",
            collectMode: "weekly",
            absoluteExcludePaths: ["/opt/large", "/opt/backup", "/opt/tmp"],
          },
        ],
      },
      stage: {
        targetDir: "/opt/backup/staging",
        localPeers: [{ type: "local", name: "machine1", collectDir: "/opt/backup/collect" }],
        remotePeers: [
          {
            type: "remote",
            name: "machine2",
            backupUser: "backup",
            collectDir: "/opt/backup/collect",
          },
        ],
      },
      store: {
        sourceDir: "/opt/backup/staging",
        devicePath: "/dev/cdrw",
        deviceScsiId: "0,0,0",
        driveSpeed: 4,
        mediaType: "cdrw-74",
        checkData: true,
      },
      purge: {
        purgeDirs: [
          { absPath: "/opt/backup/stage", retainDays: 5 },
          { absPath: "/opt/backup/collect", retainDays: 0 },
        ],
      },
    } satisfies Config);
  });

  it("cback.conf.15: index-mode extensions, options with hooks and overrides, full store", async () => {
    const config = okConfig(await loadFixture(15));
    expect(config.reference?.generator).toBe("Generated by hand.");
    expect(config.extensions).toEqual({
      orderMode: "index",
      actions: [
        {
          name: "example",
          module: "something.whatever",
          function: "example",
          index: 102,
          location: { path: "extensions/action[1]", line: 12, column: 7 },
        },
        {
          name: "bogus",
          module: "module",
          function: "something",
          index: 350,
          location: { path: "extensions/action[2]", line: 18, column: 7 },
        },
      ],
    });
    expect(config.options).toEqual({
      startingDay: "tuesday",
      workingDir: "/opt/backup/tmp",
      backupUser: "backup",
      backupGroup: "group",
      rcpCommand: "/usr/bin/scp -1 -B",
      rshCommand: "/usr/bin/ssh",
      cbackCommand: "/usr/bin/cback",
      managedActions: ["collect", "purge"],
      overrides: [
        { command: "mkisofs", absPath: "/usr/bin/mkisofs" },
        { command: "svnlook", absPath: "/svnlook" },
      ],
      hooks: [
        { type: "pre", action: "collect", command: "ls -l" },
        { type: "pre", action: "subversion", command: 'mailx -S "hello"' },
        { type: "post", action: "stage", command: "df -k" },
      ],
    });
    expect(config.collect).toEqual({
      targetDir: "/opt/backup/collect",
      collectMode: "daily",
      archiveMode: "targz",
      ignoreFile: ".cbignore",
      absoluteExcludePaths: ["/etc/cback.conf", "/etc/X11"],
      excludePatterns: [".*tmp.*", ".*\\.netscape\\/.*"],
      collectFiles: [
        { absPath: "/home/root/.profile" },
        { absPath: "/home/root/.kshrc", collectMode: "weekly" },
        { absPath: "/home/root/.aliases", collectMode: "daily", archiveMode: "tarbz2" },
      ],
      collectDirs: [
        { absPath: "/root" },
        { absPath: "/tmp", linkDepth: 3 },
        { absPath: "/ken", linkDepth: 1, dereference: true },
        { absPath: "/var/log", collectMode: "incr" },
        { absPath: "/etc", collectMode: "incr", archiveMode: "tar", ignoreFile: ".ignore" },
        {
          absPath: "/opt",
          absoluteExcludePaths: ["/opt/share", "/opt/tmp"],
          relativeExcludePaths: ["large", "backup"],
          excludePatterns: [".*\\.doc\\.*", ".*\\.xls\\.*"],
        },
      ],
    });
    expect(config.stage?.localPeers?.map((peer) => peer.name)).toEqual([
      "machine1-1",
      "machine1-2",
    ]);
    expect(config.stage?.remotePeers).toEqual([
      { type: "remote", name: "machine2", collectDir: "/backup/collect", ignoreFailures: "all" },
      {
        type: "remote",
        name: "machine3",
        backupUser: "someone",
        rcpCommand: "scp -B",
        collectDir: "/home/whatever/tmp",
      },
    ]);
    expect(config.store).toEqual({
      sourceDir: "/opt/backup/staging",
      mediaType: "cdrw-74",
      deviceType: "cdwriter",
      devicePath: "/dev/cdrw",
      driveSpeed: 4,
      checkData: true,
      checkMedia: true,
      warnMidnite: true,
      noEject: true,
      blankBehavior: { blankMode: "weekly", blankFactor: "1.3" },
    });
    expect(config.purge?.purgeDirs?.map((dir) => dir.retainDays)).toEqual([5, 0, 12]);
    expect(config.peers).toBeUndefined();
  });

  it("cback.conf.20: dependency-mode extensions and a DVD writer", async () => {
    const config = okConfig(await loadFixture(20));
    expect(config.extensions?.orderMode).toBe("dependency");
    expect(
      config.extensions?.actions?.map(({ name, index, depends }) => ({ name, index, depends })),
    ).toEqual([
      { name: "example", index: undefined, depends: {} },
      {
        name: "bogus",
        index: undefined,
        depends: { runBefore: ["a", "b", "c"], runAfter: ["one"] },
      },
    ]);
    expect(config.store).toMatchObject({
      mediaType: "dvd+rw",
      deviceType: "dvdwriter",
      driveSpeed: 1,
    });
  });

  it("cback.conf.21: peers in <peers>, a managed peer, stage without peers", async () => {
    const config = okConfig(await loadFixture(21));
    expect(config.stage).toEqual({ targetDir: "/opt/backup/staging" });
    expect(config.peers?.localPeers?.map((peer) => peer.name)).toEqual([
      "machine1-1",
      "machine1-2",
    ]);
    expect(config.peers?.remotePeers?.slice(2)).toEqual([
      {
        type: "remote",
        name: "machine4",
        backupUser: "someone",
        rcpCommand: "scp -B",
        rshCommand: "ssh",
        cbackCommand: "cback",
        managed: true,
        collectDir: "/aa",
      },
      {
        type: "remote",
        name: "machine5",
        managed: false,
        managedActions: ["collect", "purge"],
        collectDir: "/bb",
      },
    ]);
  });

  it("cback.conf.8: the deprecated <mode> form and collect-level excludes", async () => {
    const collect = (await readFixture(8)).collect;
    expect(collect?.collectDirs?.[0]).toEqual({ absPath: "/root", recursionLevel: 1 });
    expect(collect?.collectDirs?.[3]).toEqual({ absPath: "/var/log", collectMode: "incr" });
    expect(collect?.collectFiles?.[1]).toEqual({
      absPath: "/home/root/.kshrc",
      collectMode: "weekly",
    });
    expect(collect?.excludePatterns).toEqual([".*tmp.*", ".*\\.netscape\\/.*"]);
  });

  it("cback.conf.12: store delays and blank behavior", async () => {
    expect((await readFixture(12)).store).toMatchObject({
      deviceScsiId: "0,0,0",
      refreshMediaDelay: 12,
      ejectDelay: 13,
      blankBehavior: { blankMode: "weekly", blankFactor: "1.3" },
    });
  });

  it("cback.conf.19: every depends form and the messy comma list", async () => {
    const actions = (await readFixture(19)).extensions?.actions ?? [];
    expect(actions.map(({ name, depends }) => [name, depends])).toEqual([
      ["sysinfo", {}],
      ["mysql", {}],
      ["postgresql", { runBefore: ["one"] }],
      ["subversion", { runAfter: ["one"] }],
      ["mbox", { runBefore: ["one"], runAfter: ["one"] }],
      [
        "encrypt",
        {
          runBefore: ["a", "b", "c", "d"],
          runAfter: ["one", "two", "three", "four", "five", "six", "seven", "eight"],
        },
      ],
      ["amazons3", {}],
    ]);
  });
});

describe("Cedar's reading rules (cedar-core.md §2.1)", () => {
  it.each([
    ["leading space makes a path relative", "<collect_dir> /opt</collect_dir>", undefined],
    ["trailing space is kept", "<collect_dir>/opt </collect_dir>", "/opt "],
    ["a leading comment is skipped", "<collect_dir><!-- c -->/opt</collect_dir>", "/opt"],
    ["entities are expanded", "<collect_dir>/a&amp;b</collect_dir>", "/a&b"],
    ["CDATA-only content is absent", "<collect_dir><![CDATA[/x]]></collect_dir>", undefined],
    ["an empty element is absent", "<collect_dir/>", undefined],
    [
      "the first duplicate wins",
      "<collect_dir>/a</collect_dir><collect_dir>/b</collect_dir>",
      "/a",
    ],
  ])("%s", (_, field, expected) => {
    const result = parseBody(`<collect>${field}</collect>`);
    const config = result.ok ? result.config : readConfigSections(result.root, createReadContext());
    expect(config.collect?.targetDir).toBe(expected);
  });

  it.each([
    ["Y", true],
    ["y", true],
    ["N", false],
    ["n", false],
    ["Y ", undefined],
    ["yes", undefined],
    ["true", undefined],
  ])("boolean %j reads as %j", (text, expected) => {
    const result = parseBody(`<store><check_data>${text}</check_data></store>`);
    if (!result.root) throw new Error("no tree");
    expect(readConfigSections(result.root, createReadContext()).store?.checkData).toBe(expected);
  });

  it.each([
    ["5", 5],
    [" 5 ", 5],
    ["+5", 5],
    ["1_0", 10],
    ["7.0", undefined],
    ["abc", undefined],
    ["1__0", undefined],
    ["-1", undefined],
  ])("retain_days %j reads as %j", (text, expected) => {
    const result = parseBody(
      `<purge><dir><abs_path>/p</abs_path><retain_days>${text}</retain_days></dir></purge>`,
    );
    if (!result.root) throw new Error("no tree");
    expect(
      readConfigSections(result.root, createReadContext()).purge?.purgeDirs?.[0]?.retainDays,
    ).toBe(expected);
  });

  it("reports a path with a leading space, and not again as missing", () => {
    expect(
      issuesOf(parseBody("<collect><collect_dir> /opt</collect_dir></collect>")),
    ).toMatchInlineSnapshot(
      `"t.conf:5:10: collect/collect_dir: must be an absolute path, got " /opt""`,
    );
  });

  it("reads only the first of repeated sections and reports positions in it", () => {
    const result = parseBody(
      "<purge><dir><abs_path>/a</abs_path></dir></purge><purge><dir><abs_path>/b</abs_path><retain_days>1</retain_days></dir></purge>",
    );
    expect(issuesOf(result)).toMatchInlineSnapshot(
      `"t.conf:5:8: purge[1]/dir/retain_days: must be filled in (days to keep, 0 or more)"`,
    );
  });

  it("accepts <purge/> alone as the action section", () => {
    expect(okConfig(parseBody("<purge/>")).purge).toEqual({});
  });

  it("accepts an empty managed_actions list (not absent) on a managed peer when options has a list", () => {
    const config = okConfig(
      parseConfig(
        `<cb_config><options><starting_day>monday</starting_day><working_dir>/w</working_dir>
        <backup_user>b</backup_user><backup_group>b</backup_group><rcp_command>scp</rcp_command>
        <rsh_command>ssh</rsh_command><cback_command>cback3</cback_command>
        <managed_actions>collect</managed_actions></options>
        <peers><peer><name>p</name><type>remote</type><collect_dir>/c</collect_dir>
        <managed>Y</managed><managed_actions> , </managed_actions></peer></peers><purge/></cb_config>`,
      ),
    );
    expect(config.peers?.remotePeers?.[0]?.managedActions).toEqual([]);
  });

  it("reads the stage concurrency and rejects one below 1", () => {
    const ok = parseBody(`<stage><staging_dir>/s</staging_dir><concurrency>4</concurrency>
<peer><name>c</name><type>local</type><collect_dir>/c</collect_dir></peer></stage>`);
    expect(okConfig(ok).stage?.concurrency).toBe(4);
    const bad = parseBody(`<stage><staging_dir>/s</staging_dir><concurrency>0</concurrency>
<peer><name>c</name><type>local</type><collect_dir>/c</collect_dir></peer></stage>`);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.issues.map((issue) => [issue.path, issue.message])).toEqual([
      ["stage/concurrency", 'must be an integer >= 1, got "0"'],
    ]);
  });

  it("reads the stage share_connection flag as a Cedar boolean", () => {
    const body = (value: string) =>
      parseBody(`<stage><staging_dir>/s</staging_dir><share_connection>${value}</share_connection>
<peer><name>c</name><type>local</type><collect_dir>/c</collect_dir></peer></stage>`);
    expect(okConfig(body("N")).stage?.shareConnection).toBe(false);
    expect(okConfig(body("y")).stage?.shareConnection).toBe(true);
    const bad = body("no");
    expect(!bad.ok && bad.issues.map((issue) => [issue.path, issue.message])).toEqual([
      ["stage/share_connection", 'must be one of Y, y, N, n, got "no"'],
    ]);
  });

  it("drops a peer whose type is not exactly local or remote, with a warning", () => {
    const result = parseBody(`<stage><staging_dir>/s</staging_dir>
<peer><name>a</name><type>Remote</type><collect_dir>/c</collect_dir></peer>
<peer><name>b</name><collect_dir>/c</collect_dir></peer>
<peer><name>c</name><type>local</type><collect_dir>/c</collect_dir></peer></stage>`);
    const config = okConfig(result);
    expect(config.stage?.localPeers?.map((peer) => peer.name)).toEqual(["c"]);
    expect(config.stage?.remotePeers).toBeUndefined();
    expect(result.ok && rendered(result.warnings)).toMatchInlineSnapshot(`
      "t.conf:6:21: warning: stage/peer[1]/type: peer ignored: <type> must be exactly local or remote, got "Remote"
      t.conf:7:1: warning: stage/peer[2]/type: peer ignored: <type> is missing; set it to local or remote"
    `);
  });

  it("reports every problem of a document, each with line and column", () => {
    const result = parseConfig(
      `<cb_config>
  <options>
    <starting_day>Monday</starting_day>
    <working_dir>tmp</working_dir>
    <backup_user>backup</backup_user>
  </options>
  <collect>
    <collect_dir>/c</collect_dir>
    <dir><abs_path>/etc</abs_path><link_depth>1.5</link_depth></dir>
    <dir><abs_path>tmp/x</abs_path><collect_mode>daily</collect_mode><dereference>Y</dereference></dir>
    <exclude><pattern>(</pattern></exclude>
  </collect>
  <store><media_type>dvd+r</media_type><drive_speed>0</drive_speed></store>
  <purge><dir><abs_path>/p</abs_path></dir><dir><retain_days>x</retain_days></dir></purge>
</cb_config>`,
      { file: "/etc/cback3.conf" },
    );
    expect(issuesOf(result)).toMatchInlineSnapshot(`
      "/etc/cback3.conf:3:5: options/starting_day: must be one of monday, tuesday, wednesday, thursday, friday, saturday, sunday, got "Monday"
      /etc/cback3.conf:4:5: options/working_dir: must be an absolute path, got "tmp"
      /etc/cback3.conf:11:14: collect/exclude/pattern: must be a valid Python regular expression, got "(" (missing ), unterminated subpattern at position 0)
      /etc/cback3.conf:9:35: collect/dir[1]/link_depth: must be an integer, got "1.5"
      /etc/cback3.conf:10:10: collect/dir[2]/abs_path: must be an absolute path, got "tmp/x"
      /etc/cback3.conf:13:40: store/drive_speed: must be an integer >= 1 (leave it out to let the drive choose), got "0"
      /etc/cback3.conf:14:49: purge/dir[2]/retain_days: must be an integer, got "x"
      /etc/cback3.conf:2:3: options/backup_group: must be filled in (the group that owns backup files)
      /etc/cback3.conf:2:3: options/rcp_command: must be filled in (e.g. "/usr/bin/scp -B")
      /etc/cback3.conf:9:5: collect/dir[1]/collect_mode: must be set here or as collect/collect_mode (daily, weekly or incr)
      /etc/cback3.conf:9:5: collect/dir[1]/archive_mode: must be set here or as collect/archive_mode (tar, targz or tarbz2)
      /etc/cback3.conf:9:5: collect/dir[1]/ignore_file: must be set here or as collect/ignore_file (e.g. ".cbignore")
      /etc/cback3.conf:10:5: collect/dir[2]/archive_mode: must be set here or as collect/archive_mode (tar, targz or tarbz2)
      /etc/cback3.conf:10:5: collect/dir[2]/ignore_file: must be set here or as collect/ignore_file (e.g. ".cbignore")
      /etc/cback3.conf:10:70: collect/dir[2]/dereference: Y needs a link_depth of at least 1: set link_depth or remove dereference
      /etc/cback3.conf:13:3: store/source_dir: must be filled in (the staging directory rebuild writes from)
      /etc/cback3.conf:13:3: store/target_device: must be filled in (the writer device, e.g. "/dev/cdrw")
      /etc/cback3.conf:13:10: store/media_type: media type "dvd+r" does not match device type cdwriter (the default): use one of cdr-74, cdrw-74, cdr-80, cdrw-80, or set device_type to dvdwriter
      /etc/cback3.conf:14:10: purge/dir[1]/retain_days: must be filled in (days to keep, 0 or more)
      /etc/cback3.conf:14:44: purge/dir[2]/abs_path: must be filled in"
    `);
  });

  it("treats a document element other than cb_config as having no sections", () => {
    expect(issuesOf(parseConfig(`<cback>${OPTIONS}<purge/></cback>`, { file: "x.conf" })))
      .toMatchInlineSnapshot(`
      "x.conf:1:1: the document element must be <cb_config>, got <cback>: no section of this file can be read
      x.conf: at least one of the collect, stage, store and purge sections is required
      x.conf: options: section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command"
    `);
  });

  it("reports malformed XML as one issue with its position", () => {
    expect(
      issuesOf(parseConfig("<cb_config>\n  <purge>\n</cb_config>", { file: "x.conf" })),
    ).toMatchInlineSnapshot(
      `"x.conf:3:1: unable to parse XML document: closing tag </cb_config> does not match <purge> opened at 2:3"`,
    );
  });
});

describe("extension sections", () => {
  const reader: SectionReader<{ user?: string }> = {
    section: "mysql",
    read(node, ctx) {
      if (node === undefined) {
        addIssue(ctx, undefined, "section is required", { path: "mysql" });
        return undefined;
      }
      const user = readString(node, "user");
      if (user === undefined) addIssue(ctx, node, "user must be filled in");
      return user === undefined ? {} : { user };
    },
    write: (value) => element("mysql", [textElement("user", value.user)]),
  };

  it("reads each section with its reader and keeps its issues apart from the core result", () => {
    const result = parseConfig(
      `<cb_config>${OPTIONS}<purge/><mysql><password>x</password></mysql></cb_config>`,
      {
        file: "t.conf",
        sectionReaders: [reader],
      },
    );
    expect(result.ok).toBe(true);
    const mysql = result.sections?.get("mysql");
    expect(mysql?.value).toEqual({});
    expect(rendered(mysql?.issues ?? [])).toMatchInlineSnapshot(
      `"t.conf:3:52: mysql: user must be filled in"`,
    );
  });

  it("gives an absent section to its reader as undefined", () => {
    const result = parseConfig(`<cb_config>${OPTIONS}<purge/></cb_config>`, {
      sectionReaders: [reader],
    });
    expect(result.sections?.get("mysql")).toEqual({
      value: undefined,
      issues: [{ severity: "error", path: "mysql", message: "section is required" }],
    });
  });

  it("reads sections even when the core config is invalid", () => {
    const result = parseConfig(`<cb_config><mysql><user>u</user></mysql></cb_config>`, {
      sectionReaders: [reader],
    });
    expect(result.ok).toBe(false);
    expect(result.sections?.get("mysql")?.value).toEqual({ user: "u" });
  });
});

describe("loadConfig", () => {
  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "cback-config-"));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  it("reads a UTF-8 file (byte order mark allowed) and names it in issues", async () => {
    const path = join(await tempDir(), "cback3.conf");
    await writeFile(path, `\uFEFF<cb_config>${OPTIONS}<purge/><stage/></cb_config>`, "utf8");
    const result = await loadConfig(path);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues.map((issue) => [issue.file === path, issue.path])).toEqual([
      [true, "stage/staging_dir"],
      [true, "stage"],
    ]);
  });

  it("turns an unreadable file into one issue naming the path and the reason", async () => {
    const path = join(await tempDir(), "missing.conf");
    const result = await loadConfig(path);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues).toHaveLength(1);
    expect(issuesOf(result).replaceAll(path, "<path>")).toMatchInlineSnapshot(
      `"<path>: cannot read the configuration file (ENOENT: no such file or directory, open '<path>'); check the path given with --config and that this user may read it"`,
    );
  });
});
