import { describe, expect, it } from "vitest";
import {
  commandOverrides,
  DEFAULT_CBACK_COMMAND,
  DEFAULT_RCP_COMMAND,
  DEFAULT_RSH_COMMAND,
  dirExclusions,
  effectiveArchiveMode,
  effectiveCollectMode,
  effectiveDereference,
  effectiveDeviceType,
  effectiveIgnoreFailures,
  effectiveIgnoreFile,
  effectiveLinkDepth,
  effectiveOrderMode,
  effectiveRcpCommand,
  effectiveRecursionLevel,
  effectiveRemoteUser,
  joinPythonPath,
  managedPeers,
  stagePeers,
} from "./normalize.js";
import type {
  CollectConfig,
  CollectDir,
  Config,
  LocalPeerConfig,
  OptionsConfig,
  RemotePeerConfig,
} from "./types.js";

const local = (name: string): LocalPeerConfig => ({ type: "local", name, collectDir: "/c" });
const remote = (name: string, fields: Partial<RemotePeerConfig> = {}): RemotePeerConfig => ({
  type: "remote",
  name,
  collectDir: "/c",
  ...fields,
});

describe("collect inheritance", () => {
  const collect: CollectConfig = {
    collectMode: "weekly",
    archiveMode: "targz",
    ignoreFile: ".cbignore",
  };
  it.each<
    [
      string,
      CollectDir,
      CollectConfig,
      [string | undefined, string | undefined, string | undefined],
    ]
  >([
    [
      "item values win",
      { collectMode: "incr", archiveMode: "tar", ignoreFile: ".x" },
      collect,
      ["incr", "tar", ".x"],
    ],
    ["the section fills the gaps", {}, collect, ["weekly", "targz", ".cbignore"]],
    ["neither gives undefined", {}, {}, [undefined, undefined, undefined]],
  ])("%s", (_, dir, section, [mode, archive, ignore]) => {
    expect(effectiveCollectMode(dir, section)).toBe(mode);
    expect(effectiveArchiveMode(dir, section)).toBe(archive);
    expect(effectiveIgnoreFile(dir, section)).toBe(ignore);
  });

  it.each<[CollectDir, number, boolean, number]>([
    [{}, 0, false, 0],
    [{ linkDepth: 2, dereference: true, recursionLevel: -1 }, 2, true, -1],
    [{ linkDepth: 0, dereference: false, recursionLevel: 3 }, 0, false, 3],
  ])("link depth, dereference and recursion level of %j", (dir, depth, dereference, recursion) => {
    expect(effectiveLinkDepth(dir)).toBe(depth);
    expect(effectiveDereference(dir)).toBe(dereference);
    expect(effectiveRecursionLevel(dir)).toBe(recursion);
  });
});

describe("joinPythonPath (os.path.join)", () => {
  it.each([
    ["/opt", "large", "/opt/large"],
    ["/opt/", "large", "/opt/large"],
    ["/opt", "/abs", "/abs"],
    ["/opt", "a/../b", "/opt/a/../b"],
    ["/opt", "", "/opt/"],
    ["", "x", "x"],
    ["/", "x", "/x"],
  ])("join(%j, %j) = %j", (base, part, expected) => {
    expect(joinPythonPath(base, part)).toBe(expected);
  });
});

describe("dirExclusions", () => {
  it.each<[string, CollectDir, CollectConfig, { absolutePaths: string[]; patterns: string[] }]>([
    ["nothing excluded", { absPath: "/opt" }, {}, { absolutePaths: [], patterns: [] }],
    [
      "collect-level first, then the dir's paths, then its relative paths",
      {
        absPath: "/opt",
        absoluteExcludePaths: ["/opt/share"],
        relativeExcludePaths: ["large", "/elsewhere"],
        excludePatterns: [".*\\.doc"],
      },
      { absoluteExcludePaths: ["/etc/X11"], excludePatterns: [".*tmp.*"] },
      {
        absolutePaths: ["/etc/X11", "/opt/share", "/opt/large", "/elsewhere"],
        patterns: [".*tmp.*", ".*\\.doc"],
      },
    ],
    [
      "a trailing slash on abs_path is kept as written",
      { absPath: "/opt/", relativeExcludePaths: ["x"] },
      {},
      { absolutePaths: ["/opt/x"], patterns: [] },
    ],
  ])("%s", (_, dir, collect, expected) => {
    expect(dirExclusions(dir, collect)).toEqual(expected);
  });
});

describe("stagePeers", () => {
  const globalPeers = { localPeers: [local("g1")], remotePeers: [remote("g2")] };
  it.each<[string, Config, string, string[]]>([
    ["no peers anywhere", {}, "none", []],
    ["the <peers> section", { peers: globalPeers, stage: {} }, "peers", ["g1", "g2"]],
    [
      "stage peers replace <peers> entirely",
      { peers: globalPeers, stage: { remotePeers: [remote("s1")] } },
      "stage",
      ["s1"],
    ],
    [
      "stage lists local then remote",
      { stage: { localPeers: [local("l")], remotePeers: [remote("r")] } },
      "stage",
      ["l", "r"],
    ],
    ["an empty <peers> section", { peers: {} }, "none", []],
  ])("%s", (_, config, source, names) => {
    const peers = stagePeers(config);
    expect(peers.source).toBe(source);
    expect([...peers.localPeers, ...peers.remotePeers].map((peer) => peer.name)).toEqual(names);
  });
});

describe("remote peer inheritance", () => {
  const options: OptionsConfig = { backupUser: "backup", rcpCommand: "scp -B" };
  it.each<[string, RemotePeerConfig, OptionsConfig | undefined, string | undefined, string]>([
    ["own values", remote("p", { backupUser: "u", rcpCommand: "rcp" }), options, "u", "rcp"],
    ["from options", remote("p"), options, "backup", "scp -B"],
    ["Cedar's defaults", remote("p"), undefined, undefined, DEFAULT_RCP_COMMAND],
  ])("%s", (_, peer, opts, user, rcp) => {
    expect(effectiveRemoteUser(peer, opts)).toBe(user);
    expect(effectiveRcpCommand(peer, opts)).toBe(rcp);
  });

  it.each<[LocalPeerConfig | RemotePeerConfig, string]>([
    [local("l"), "none"],
    [remote("r", { ignoreFailures: "weekly" }), "weekly"],
  ])("ignore failures of %j", (peer, expected) => {
    expect(effectiveIgnoreFailures(peer)).toBe(expected);
  });
});

describe("managedPeers", () => {
  const options: OptionsConfig = {
    backupUser: "backup",
    rshCommand: "ssh -x",
    cbackCommand: "/usr/local/bin/cback3",
    managedActions: ["collect", "purge"],
  };

  it("takes only managed remote peers of <peers>, never stage peers", () => {
    const config: Config = {
      options,
      peers: {
        localPeers: [local("l")],
        remotePeers: [remote("a", { managed: true }), remote("b"), remote("c", { managed: false })],
      },
      stage: { remotePeers: [remote("s", { managed: true })] },
    };
    expect(managedPeers(config).map((peer) => peer.name)).toEqual(["a"]);
  });

  it.each<[string, Partial<RemotePeerConfig>, OptionsConfig | undefined, object]>([
    [
      "inherits from options",
      {},
      options,
      {
        remoteUser: "backup",
        rshCommand: "ssh -x",
        cbackCommand: "/usr/local/bin/cback3",
        managedActions: ["collect", "purge"],
      },
    ],
    [
      "own values win, and an own empty list replaces the options list",
      { backupUser: "u", rshCommand: "rsh", cbackCommand: "cb", managedActions: [] },
      options,
      { remoteUser: "u", rshCommand: "rsh", cbackCommand: "cb", managedActions: [] },
    ],
    [
      "Cedar's defaults when nothing is set",
      {},
      undefined,
      {
        remoteUser: undefined,
        rshCommand: DEFAULT_RSH_COMMAND,
        cbackCommand: DEFAULT_CBACK_COMMAND,
        managedActions: [],
      },
    ],
  ])("%s", (_, fields, opts, expected) => {
    const config: Config = {
      ...(opts === undefined ? {} : { options: opts }),
      peers: { remotePeers: [remote("p", { managed: true, ...fields })] },
    };
    expect(managedPeers(config)[0]).toMatchObject({ name: "p", ...expected });
  });
});

describe("commandOverrides", () => {
  it("maps commands to paths; the last entry wins; entries without a command are skipped", () => {
    const overrides = commandOverrides({
      overrides: [
        { command: "tar", absPath: "/bin/tar" },
        { absPath: "/nowhere" },
        { command: "mkisofs" },
        { command: "tar", absPath: "/usr/local/bin/tar" },
      ],
    });
    expect([...overrides]).toEqual([
      ["tar", "/usr/local/bin/tar"],
      ["mkisofs", undefined],
    ]);
  });

  it("is empty without options", () => {
    expect(commandOverrides(undefined).size).toBe(0);
  });
});

describe("store and extension defaults", () => {
  it.each([
    [{}, "cdwriter"],
    [{ deviceType: "dvdwriter" as const }, "dvdwriter"],
  ])("device type of %j is %s", (store, expected) => {
    expect(effectiveDeviceType(store)).toBe(expected);
  });

  it.each([
    [undefined, "index"],
    [{}, "index"],
    [{ orderMode: "dependency" as const }, "dependency"],
  ])("order mode of %j is %s", (extensions, expected) => {
    expect(effectiveOrderMode(extensions)).toBe(expected);
  });
});
