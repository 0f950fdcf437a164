import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors/cback-error.js";
import {
  actionIndexes,
  dependencyOrder,
  planActionOrder,
  type ActionOrderInput,
  type ExtensionOrdering,
  type ManagedPeerActions,
  type OrderedExtension,
  type PlannedStep,
} from "./action-order.js";

const NO_EXTENSIONS: ExtensionOrdering = { orderMode: "index", actions: [] };

function indexMode(...actions: OrderedExtension[]): ExtensionOrdering {
  return { orderMode: "index", actions };
}

function dependencyMode(...actions: OrderedExtension[]): ExtensionOrdering {
  return { orderMode: "dependency", actions };
}

/** `collect@100` for a local step, `collect@100>peer1,peer2` for a managed one. */
function show(step: PlannedStep): string {
  const base = `${step.action}@${step.index}`;
  return step.kind === "local" ? base : `${base}>${step.peers.join(",")}`;
}

function plan(
  requested: readonly string[],
  extensions: ExtensionOrdering = NO_EXTENSIONS,
  extra: Partial<Omit<ActionOrderInput, "requested" | "extensions">> = {},
): string[] {
  return planActionOrder({
    requested,
    extensions,
    managedPeers: [],
    managed: false,
    managedOnly: false,
    ...extra,
  }).map(show);
}

const PEER_COLLECT_PURGE: ManagedPeerActions = { name: "client1", actions: ["collect", "purge"] };

describe("planActionOrder: index mode", () => {
  const sysinfo = { name: "sysinfo", index: 99 };
  const encrypt = { name: "encrypt", index: 299 };
  const early = { name: "early", index: 100 };
  it.each<[string, readonly string[], ExtensionOrdering, string[]]>([
    ["one built-in", ["collect"], NO_EXTENSIONS, ["collect@100"]],
    ["built-ins are sorted", ["purge", "collect"], NO_EXTENSIONS, ["collect@100", "purge@400"]],
    [
      "all four in reverse",
      ["purge", "store", "stage", "collect"],
      NO_EXTENSIONS,
      ["collect@100", "stage@200", "store@300", "purge@400"],
    ],
    ["duplicates run twice", ["collect", "collect"], NO_EXTENSIONS, ["collect@100", "collect@100"]],
    [
      "all expands to the four built-ins",
      ["all"],
      NO_EXTENSIONS,
      ["collect@100", "stage@200", "store@300", "purge@400"],
    ],
    [
      "all never runs extensions",
      ["all"],
      indexMode(sysinfo),
      ["collect@100", "stage@200", "store@300", "purge@400"],
    ],
    ["rebuild alone", ["rebuild"], NO_EXTENSIONS, ["rebuild@0"]],
    ["validate alone", ["validate"], NO_EXTENSIONS, ["validate@0"]],
    ["initialize alone", ["initialize"], NO_EXTENSIONS, ["initialize@0"]],
    [
      "extension by its index",
      ["collect", "sysinfo"],
      indexMode(sysinfo),
      ["sysinfo@99", "collect@100"],
    ],
    [
      "extension between built-ins",
      ["store", "encrypt", "stage"],
      indexMode(encrypt, sysinfo),
      ["stage@200", "encrypt@299", "store@300"],
    ],
    [
      "a tie keeps command-line order (extension first)",
      ["early", "collect"],
      indexMode(early),
      ["early@100", "collect@100"],
    ],
    [
      "a tie keeps command-line order (built-in first)",
      ["collect", "early"],
      indexMode(early),
      ["collect@100", "early@100"],
    ],
    [
      "a missing index counts as 0",
      ["collect", "noindex"],
      indexMode({ name: "noindex" }),
      ["noindex@0", "collect@100"],
    ],
    [
      "dependency mode without extensions falls back to index mode",
      ["purge", "collect"],
      dependencyMode(),
      ["collect@100", "purge@400"],
    ],
    [
      "index mode ignores dependencies",
      ["collect", "late"],
      indexMode({ name: "late", index: 500, runBefore: ["collect"] }),
      ["collect@100", "late@500"],
    ],
  ])("%s", (_name, requested, extensions, expected) => {
    expect(plan(requested, extensions)).toEqual(expected);
  });
});

describe("dependencyOrder", () => {
  it.each<[string, OrderedExtension[], string[]]>([
    [
      "no extensions",
      [],
      ["collect", "stage", "store", "purge", "initialize", "validate", "rebuild"],
    ],
    [
      "a(after stage), b(before collect), c(no dependencies)",
      [{ name: "a", runAfter: ["stage"] }, { name: "b", runBefore: ["collect"] }, { name: "c" }],
      ["c", "b", "collect", "stage", "a", "store", "purge", "initialize", "validate", "rebuild"],
    ],
    [
      "unconstrained extensions come first, in reverse config order",
      [{ name: "sysinfo" }, { name: "mysql", runBefore: [], runAfter: [] }],
      [
        "mysql",
        "sysinfo",
        "collect",
        "stage",
        "store",
        "purge",
        "initialize",
        "validate",
        "rebuild",
      ],
    ],
    [
      "sysinfo(before collect), encrypt(after stage, before store), amazons3(after stage)",
      [
        { name: "sysinfo", runBefore: ["collect"] },
        { name: "encrypt", runBefore: ["store"], runAfter: ["stage"] },
        { name: "amazons3", runAfter: ["stage"] },
      ],
      [
        "sysinfo",
        "collect",
        "stage",
        "amazons3",
        "encrypt",
        "store",
        "purge",
        "initialize",
        "validate",
        "rebuild",
      ],
    ],
    [
      "dependencies between extensions",
      [
        { name: "second", runAfter: ["first"] },
        { name: "first", runBefore: ["collect"] },
      ],
      [
        "first",
        "second",
        "collect",
        "stage",
        "store",
        "purge",
        "initialize",
        "validate",
        "rebuild",
      ],
    ],
    [
      "an extension after purge",
      [{ name: "report", runAfter: ["purge"] }],
      ["collect", "stage", "store", "purge", "report", "initialize", "validate", "rebuild"],
    ],
  ])("%s", (_name, extensions, expected) => {
    expect(dependencyOrder(extensions)).toEqual(expected);
  });

  it.each<[string, OrderedExtension[], string]>([
    [
      "unknown run_before",
      [{ name: "x", runBefore: ["nosuch"] }],
      "Unable to determine proper action order due to invalid dependency: dependency [nosuch] on extension [x] is unknown.",
    ],
    [
      "unknown run_after",
      [{ name: "x", runAfter: ["nosuch"] }],
      "Unable to determine proper action order due to invalid dependency: dependency [nosuch] on extension [x] is unknown.",
    ],
    [
      "two extensions in a loop",
      [
        { name: "a", runBefore: ["b"] },
        { name: "b", runBefore: ["a"] },
      ],
      "Unable to determine proper action order due to dependency recursion: [b] leads back to [a]; check the extensions for loops.",
    ],
    [
      "a loop through the built-ins",
      [{ name: "a", runBefore: ["collect"], runAfter: ["purge"] }],
      "Unable to determine proper action order due to dependency recursion: [a] leads back to [collect]; check the extensions for loops.",
    ],
    [
      "an extension that must run before itself",
      [{ name: "a", runBefore: ["a"] }],
      "Unable to determine proper action order due to dependency recursion: [a] leads back to [a]; check the extensions for loops.",
    ],
  ])("rejects %s", (_name, extensions, message) => {
    expect(() => dependencyOrder(extensions)).toThrow(new ConfigError(message));
  });
});

describe("planActionOrder: dependency mode", () => {
  const abc = dependencyMode(
    { name: "a", runAfter: ["stage"] },
    { name: "b", runBefore: ["collect"] },
    { name: "c" },
  );

  it("gives index = position + 1", () => {
    expect(Object.fromEntries(actionIndexes(abc))).toEqual({
      c: 1,
      b: 2,
      collect: 3,
      stage: 4,
      a: 5,
      store: 6,
      purge: 7,
      initialize: 8,
      validate: 9,
      rebuild: 10,
    });
  });

  it.each<[readonly string[], string[]]>([
    [
      ["purge", "a", "store", "c", "stage", "b", "collect"],
      ["c@1", "b@2", "collect@3", "stage@4", "a@5", "store@6", "purge@7"],
    ],
    [
      ["a", "b"],
      ["b@2", "a@5"],
    ],
    [["all"], ["collect@3", "stage@4", "store@6", "purge@7"]],
    [["rebuild"], ["rebuild@10"]],
  ])("orders %j", (requested, expected) => {
    expect(plan(requested, abc)).toEqual(expected);
  });

  it("checks the dependencies before the requested actions, as Cedar does", () => {
    expect(() => plan(["nosuch"], dependencyMode({ name: "x", runAfter: ["y"] }))).toThrow(
      /invalid dependency/,
    );
  });
});

describe("planActionOrder: validation", () => {
  const extensions = indexMode({ name: "sysinfo", index: 99 });
  it.each<[readonly string[], string]>([
    [[], "No actions specified."],
    [["bogus"], "Action [bogus] is not a valid action or extended action."],
    [["collect", "--full"], "Action [--full] is not a valid action or extended action."],
    [["Collect"], "Action [Collect] is not a valid action or extended action."],
    [["mysql"], "Action [mysql] is not a valid action or extended action."],
    [["all", "bogus"], "Action [bogus] is not a valid action or extended action."],
    [["all", "collect"], "Action [all] may not be combined with other actions."],
    [["all", "all"], "Action [all] may not be combined with other actions."],
    [["collect", "rebuild"], "Action [rebuild] may not be combined with other actions."],
    [["validate", "validate"], "Action [validate] may not be combined with other actions."],
    [["initialize", "sysinfo"], "Action [initialize] may not be combined with other actions."],
    [["validate", "rebuild"], "Action [rebuild] may not be combined with other actions."],
    [["all", "initialize"], "Action [initialize] may not be combined with other actions."],
  ])("rejects %j", (requested, message) => {
    const attempt = () => plan(requested, extensions);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });

  it("exits with the configuration exit code", () => {
    try {
      plan(["bogus"]);
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).exitCode).toBe(4);
    }
  });

  it("accepts a configured extension alone", () => {
    expect(plan(["sysinfo"], extensions)).toEqual(["sysinfo@99"]);
  });
});

describe("planActionOrder: managed peers", () => {
  const peers: ManagedPeerActions[] = [
    PEER_COLLECT_PURGE,
    { name: "client2", actions: ["collect", "collect", "sysinfo", "all"] },
    { name: "client3", actions: [] },
  ];
  const extensions = indexMode({ name: "sysinfo", index: 99 });
  it.each<[string, readonly string[], Partial<ActionOrderInput>, string[]]>([
    [
      "all with --managed",
      ["all"],
      { managed: true, managedPeers: [PEER_COLLECT_PURGE] },
      [
        "collect@100",
        "collect@100>client1",
        "stage@200",
        "store@300",
        "purge@400",
        "purge@400>client1",
      ],
    ],
    [
      "all with --managed-only drops local steps",
      ["all"],
      { managedOnly: true, managedPeers: [PEER_COLLECT_PURGE] },
      ["collect@100>client1", "purge@400>client1"],
    ],
    [
      "without --managed peers are ignored",
      ["collect"],
      { managedPeers: [PEER_COLLECT_PURGE] },
      ["collect@100"],
    ],
    [
      "peers in config order, each once",
      ["collect"],
      { managed: true, managedPeers: peers },
      ["collect@100", "collect@100>client1,client2"],
    ],
    [
      "managed extension",
      ["sysinfo", "collect"],
      { managed: true, managedPeers: peers },
      ["sysinfo@99", "sysinfo@99>client2", "collect@100", "collect@100>client1,client2"],
    ],
    [
      "a peer listing all manages nothing extra",
      ["stage"],
      { managed: true, managedPeers: peers },
      ["stage@200"],
    ],
    [
      "--managed-only with no peer for the action plans nothing",
      ["stage"],
      { managedOnly: true, managedPeers: peers },
      [],
    ],
    [
      "duplicates: both local steps, then both managed steps",
      ["collect", "collect"],
      { managed: true, managedPeers: [PEER_COLLECT_PURGE] },
      ["collect@100", "collect@100", "collect@100>client1", "collect@100>client1"],
    ],
    [
      "managed steps sort after local steps of the same index only",
      ["purge", "collect", "store"],
      { managed: true, managedPeers: [PEER_COLLECT_PURGE] },
      ["collect@100", "collect@100>client1", "store@300", "purge@400", "purge@400>client1"],
    ],
  ])("%s", (_name, requested, extra, expected) => {
    expect(plan(requested, extensions, extra)).toEqual(expected);
  });

  it("gives each managed step its peer names", () => {
    const [, managed] = planActionOrder({
      requested: ["collect"],
      extensions: NO_EXTENSIONS,
      managedPeers: [PEER_COLLECT_PURGE],
      managed: true,
      managedOnly: false,
    });
    expect(managed).toEqual({ kind: "managed", action: "collect", index: 100, peers: ["client1"] });
  });
});
