import { describe, expect, it } from "vitest";
import { formatConfigIssue } from "../errors/cback-error.js";
import { readConfigSections } from "./load-config.js";
import {
  atLeastOneActionSection,
  collectComplete,
  extendedActionsComplete,
  optionsComplete,
  optionsSectionPresent,
  peersSectionValid,
  purgeComplete,
  stageComplete,
  storeComplete,
  validateConfig,
  type Rule,
  type RuleContext,
} from "./rules.js";
import type { Config, OptionsConfig, RemotePeerConfig } from "./types.js";
import { parseXml } from "./xml/parse-xml.js";

/** Run one rule on a config built in code (no tree: paths only, no positions). */
function check(rule: Rule, config: Config): string[] {
  const ctx: RuleContext = { file: undefined, issues: [], root: undefined };
  rule(config, ctx);
  return ctx.issues.map(formatConfigIssue);
}

/** Read a document and run one rule on it with positions; field-level issues are left out. */
function checkXml(rule: Rule, xml: string): string[] {
  const { root } = parseXml(xml);
  const config = readConfigSections(root, { file: undefined, issues: [] });
  const ctx: RuleContext = { file: undefined, issues: [], root };
  rule(config, ctx);
  return ctx.issues.map(formatConfigIssue);
}

const OPTIONS: OptionsConfig = {
  startingDay: "monday",
  workingDir: "/w",
  backupUser: "backup",
  backupGroup: "backup",
  rcpCommand: "scp -B",
};
const remote = (fields: Omit<RemotePeerConfig, "type"> = {}): RemotePeerConfig => ({
  type: "remote",
  name: "r",
  collectDir: "/c",
  ...fields,
});

describe("atLeastOneActionSection", () => {
  const error = "at least one of the collect, stage, store and purge sections is required";
  it.each<[string, Config, string[]]>([
    ["no section", {}, [error]],
    [
      "only non-action sections",
      { reference: {}, options: OPTIONS, peers: {}, extensions: {} },
      [error],
    ],
    ["an empty purge section", { purge: {} }, []],
    ["collect", { collect: {} }, []],
    ["stage", { stage: {} }, []],
    ["store", { store: {} }, []],
  ])("%s", (_, config, expected) => {
    expect(check(atLeastOneActionSection, config)).toEqual(expected);
  });
});

describe("optionsSectionPresent", () => {
  it.each<[string, Config, number]>([
    ["absent", {}, 1],
    ["empty", { options: {} }, 0],
  ])("%s options section gives %i issue(s)", (_, config, count) => {
    expect(check(optionsSectionPresent, config)).toHaveLength(count);
  });
});

describe("extendedActionsComplete", () => {
  it.each<[string, Config, string[]]>([
    ["no extensions", { extensions: {} }, []],
    [
      "index mode by default needs an index",
      { extensions: { actions: [{ name: "a", module: "m", function: "f" }] } },
      [
        "extensions/action/index: must be filled in when order_mode is index (the default): a number >= 0, e.g. 99 to run just before collect (100)",
      ],
    ],
    [
      "index 0 is an index",
      {
        extensions: {
          orderMode: "index",
          actions: [{ name: "a", module: "m", function: "f", index: 0 }],
        },
      },
      [],
    ],
    [
      "name, module and function are required",
      { extensions: { actions: [{ index: 1 }] } },
      [
        "extensions/action/name: must be filled in (lower-case letters and digits)",
        'extensions/action/module: must be filled in (e.g. "CedarBackup3.extend.sysinfo")',
        'extensions/action/function: must be filled in (e.g. "executeAction")',
      ],
    ],
    [
      "dependency mode needs depends",
      {
        extensions: {
          orderMode: "dependency",
          actions: [
            { name: "a", module: "m", function: "f", index: 5 },
            { name: "b", module: "m", function: "f", depends: {} },
          ],
        },
      },
      [
        "extensions/action[1]/depends: must be present when order_mode is dependency (an empty <depends/> is enough)",
      ],
    ],
    [
      "names are unique",
      {
        extensions: {
          actions: ["b", "a", "b", "a", "c", "a"].map((name, index) => ({
            name,
            module: "m",
            function: "f",
            index,
          })),
        },
      },
      ['extensions: duplicate extension names: "a", "b" (give each action its own name)'],
    ],
  ])("%s", (_, config, expected) => {
    expect(check(extendedActionsComplete, config)).toEqual(expected);
  });
});

describe("optionsComplete", () => {
  it("accepts the five required fields", () => {
    expect(check(optionsComplete, { options: OPTIONS })).toEqual([]);
  });

  it("reports each missing field", () => {
    expect(check(optionsComplete, { options: { rshCommand: "ssh" } })).toEqual([
      "options/starting_day: must be filled in (monday to sunday, lower case)",
      "options/working_dir: must be filled in (an absolute path for temporary files)",
      "options/backup_user: must be filled in (the user that owns backup files)",
      "options/backup_group: must be filled in (the group that owns backup files)",
      'options/rcp_command: must be filled in (e.g. "/usr/bin/scp -B")',
    ]);
  });

  it("does not repeat a field already rejected at read time", () => {
    const xml = `<cb_config><options><starting_day>Monday</starting_day><working_dir>w</working_dir>
      <backup_user>u</backup_user><backup_group>g</backup_group><rcp_command>scp</rcp_command>
      </options></cb_config>`;
    expect(checkXml(optionsComplete, xml)).toEqual([]);
  });
});

describe("peersSectionValid (Cedar's peer-list rules)", () => {
  const managed = remote({ managed: true });
  it.each<[string, Config, string[]]>([
    ["no peers section", { options: OPTIONS }, []],
    [
      "an empty peers section",
      { peers: {} },
      ["peers: must list at least one <peer> of type local or remote"],
    ],
    [
      "local peers need a name and a collect dir",
      { peers: { localPeers: [{ type: "local" }] } },
      [
        "peers/peer/name: must be filled in",
        "peers/peer/collect_dir: must be filled in (the peer's collect directory)",
      ],
    ],
    [
      "remote peers inherit user and rcp command from options",
      { options: OPTIONS, peers: { remotePeers: [remote()] } },
      [],
    ],
    [
      "remote peers without options need their own user and rcp command",
      {
        peers: {
          localPeers: [{ type: "local", name: "l", collectDir: "/c" }],
          remotePeers: [remote({ backupUser: "u" })],
        },
      },
      ["peers/peer[2]/rcp_command: must be set here or as options/rcp_command"],
    ],
    [
      "managed peers need an rsh command, a cback command and managed actions",
      { options: OPTIONS, peers: { remotePeers: [managed] } },
      [
        "peers/peer/rsh_command: must be set here or as options/rsh_command (the peer is managed)",
        "peers/peer/cback_command: must be set here or as options/cback_command (the peer is managed)",
        "peers/peer/managed_actions: must list at least one action here or in options/managed_actions (the peer is managed)",
      ],
    ],
    [
      "a managed peer's empty list passes when options has a non-empty one",
      {
        options: {
          ...OPTIONS,
          rshCommand: "ssh",
          cbackCommand: "cback3",
          managedActions: ["collect"],
        },
        peers: { remotePeers: [remote({ managed: true, managedActions: [] })] },
      },
      [],
    ],
    [
      "an empty list on both sides fails",
      {
        options: { ...OPTIONS, managedActions: [] },
        peers: {
          remotePeers: [
            remote({ managed: true, rshCommand: "ssh", cbackCommand: "c", managedActions: [] }),
          ],
        },
      },
      [
        "peers/peer/managed_actions: must list at least one action here or in options/managed_actions (the peer is managed)",
      ],
    ],
    [
      "names are unique across local and remote peers",
      {
        options: OPTIONS,
        peers: {
          localPeers: [
            { type: "local", name: "b", collectDir: "/c" },
            { type: "local", name: "a", collectDir: "/c" },
          ],
          remotePeers: [remote({ name: "a" }), remote({ name: "b" }), remote({ name: "c" })],
        },
      },
      ['peers: duplicate peer names: "a", "b" (give each peer its own name)'],
    ],
  ])("%s", (_, config, expected) => {
    expect(check(peersSectionValid, config)).toEqual(expected);
  });

  it("locates each peer at its own element, whatever the order of types", () => {
    const xml = `<cb_config>
  <peers>
    <peer><name>r</name><type>remote</type><collect_dir>/c</collect_dir></peer>
    <peer><type>local</type><collect_dir>/c</collect_dir></peer>
  </peers>
</cb_config>`;
    expect(checkXml(peersSectionValid, xml)).toEqual([
      "4:5: peers/peer[2]/name: must be filled in",
      "3:5: peers/peer[1]/backup_user: must be set here or as options/backup_user",
      "3:5: peers/peer[1]/rcp_command: must be set here or as options/rcp_command",
    ]);
  });
});

describe("collectComplete", () => {
  const base = {
    targetDir: "/c",
    collectMode: "daily",
    archiveMode: "tar",
    ignoreFile: ".i",
  } as const;
  it.each<[string, Config, string[]]>([
    [
      "an empty section needs its target dir",
      { collect: {} },
      ["collect/collect_dir: must be filled in (where collect writes its archives)"],
    ],
    [
      "files and dirs inherit the section defaults",
      { collect: { ...base, collectFiles: [{ absPath: "/f" }], collectDirs: [{ absPath: "/d" }] } },
      [],
    ],
    [
      "files need modes from somewhere, but no ignore file",
      {
        collect: {
          targetDir: "/c",
          collectFiles: [
            { absPath: "/f" },
            { absPath: "/g", collectMode: "incr", archiveMode: "targz" },
          ],
        },
      },
      [
        "collect/file[1]/collect_mode: must be set here or as collect/collect_mode (daily, weekly or incr)",
        "collect/file[1]/archive_mode: must be set here or as collect/archive_mode (tar, targz or tarbz2)",
      ],
    ],
    [
      "dirs also need an ignore file",
      { collect: { targetDir: "/c", collectMode: "daily", archiveMode: "tar", collectDirs: [{}] } },
      [
        "collect/dir/abs_path: must be filled in",
        'collect/dir/ignore_file: must be set here or as collect/ignore_file (e.g. ".cbignore")',
      ],
    ],
    [
      "dereference needs a link depth",
      {
        collect: {
          ...base,
          collectDirs: [
            { absPath: "/a", dereference: true },
            { absPath: "/b", dereference: true, linkDepth: 0 },
            { absPath: "/c", dereference: true, linkDepth: 1 },
            { absPath: "/d", dereference: false },
          ],
        },
      },
      [
        "collect/dir[1]/dereference: Y needs a link_depth of at least 1: set link_depth or remove dereference",
        "collect/dir[2]/dereference: Y needs a link_depth of at least 1: set link_depth or remove dereference",
      ],
    ],
  ])("%s", (_, config, expected) => {
    expect(check(collectComplete, config)).toEqual(expected);
  });

  it("does not ask for a collect mode when the <mode> alias was rejected", () => {
    const xml = `<cb_config><collect><collect_dir>/c</collect_dir><archive_mode>tar</archive_mode>
      <file><abs_path>/f</abs_path><mode>Daily</mode></file></collect></cb_config>`;
    expect(checkXml(collectComplete, xml)).toEqual([]);
  });
});

describe("stageComplete", () => {
  const local = { type: "local", name: "l", collectDir: "/c" } as const;
  it.each<[string, Config, string[]]>([
    [
      "without <peers> the stage section must list peers",
      { stage: {} },
      [
        "stage/staging_dir: must be filled in (the root of the staging tree)",
        "stage: must list at least one <peer> of type local or remote, or add a <peers> section",
      ],
    ],
    [
      "with <peers> the stage section may list none",
      { peers: { localPeers: [local] }, stage: { targetDir: "/s" } },
      [],
    ],
    [
      "stage peers are checked when listed, even with <peers>",
      {
        options: OPTIONS,
        peers: { localPeers: [local] },
        stage: { targetDir: "/s", localPeers: [{ type: "local", name: "x" }] },
      },
      ["stage/peer/collect_dir: must be filled in (the peer's collect directory)"],
    ],
  ])("%s", (_, config, expected) => {
    expect(check(stageComplete, config)).toEqual(expected);
  });
});

describe("storeComplete", () => {
  const base = { sourceDir: "/s", devicePath: "/dev/cdrw" } as const;
  it.each<[string, Config, string[]]>([
    [
      "an empty section",
      { store: {} },
      [
        "store/source_dir: must be filled in (the staging directory rebuild writes from)",
        "store/media_type: must be filled in (cdr-74, cdrw-74, cdr-80, cdrw-80, dvd+r or dvd+rw)",
        'store/target_device: must be filled in (the writer device, e.g. "/dev/cdrw")',
      ],
    ],
    ["CD media on the default writer", { store: { ...base, mediaType: "cdr-80" } }, []],
    [
      "DVD media on a DVD writer",
      { store: { ...base, mediaType: "dvd+rw", deviceType: "dvdwriter" } },
      [],
    ],
    [
      "DVD media on the default writer",
      { store: { ...base, mediaType: "dvd+r" } },
      [
        'store/media_type: media type "dvd+r" does not match device type cdwriter (the default): use one of cdr-74, cdrw-74, cdr-80, cdrw-80, or set device_type to dvdwriter',
      ],
    ],
    [
      "CD media on a DVD writer",
      { store: { ...base, mediaType: "cdrw-74", deviceType: "dvdwriter" } },
      [
        'store/media_type: media type "cdrw-74" does not match device type dvdwriter: use one of dvd+r, dvd+rw, or set device_type to cdwriter',
      ],
    ],
    [
      "an empty blank_behavior",
      { store: { ...base, mediaType: "cdrw-74", blankBehavior: {} } },
      [
        "store/blank_behavior: must set mode (daily or weekly) and factor (e.g. 1.3), or be removed",
      ],
    ],
    [
      "a blank_behavior with only a mode (Cedar accepts it)",
      { store: { ...base, mediaType: "cdrw-74", blankBehavior: { blankMode: "daily" } } },
      [],
    ],
  ])("%s", (_, config, expected) => {
    expect(check(storeComplete, config)).toEqual(expected);
  });
});

describe("purgeComplete", () => {
  it.each<[string, Config, string[]]>([
    ["no dirs", { purge: {} }, []],
    ["a complete dir", { purge: { purgeDirs: [{ absPath: "/p", retainDays: 0 }] } }, []],
    [
      "incomplete dirs",
      { purge: { purgeDirs: [{ absPath: "/p", retainDays: 1 }, {}] } },
      [
        "purge/dir[2]/abs_path: must be filled in",
        "purge/dir[2]/retain_days: must be filled in (days to keep, 0 or more)",
      ],
    ],
  ])("%s", (_, config, expected) => {
    expect(check(purgeComplete, config)).toEqual(expected);
  });
});

describe("validateConfig", () => {
  it("runs every rule in Cedar's order and reports every problem", () => {
    const ctx: RuleContext = { file: "c.conf", issues: [], root: undefined };
    validateConfig(
      { extensions: { actions: [{ name: "a", module: "m", function: "f" }] }, peers: {} },
      ctx,
    );
    expect(ctx.issues.map((issue) => issue.path)).toEqual([
      "",
      "options",
      "extensions/action/index",
      "peers",
    ]);
  });
});
