/**
 * Which actions run, in which order, locally and on managed peers: Cedar's `_ActionSet`
 * as a pure plan. The caller executes the plan (run/run-actions.ts).
 */
import { ConfigError } from "../errors/cback-error.js";

/** The built-in actions, in the order Cedar creates their dependency-graph vertices. */
export const BUILTIN_ACTIONS = [
  "rebuild",
  "validate",
  "initialize",
  "collect",
  "stage",
  "store",
  "purge",
] as const;

/** The actions `all` stands for; it never includes extensions. */
export const ALL_ACTIONS = ["collect", "stage", "store", "purge"] as const;

/** Actions that must be the only word on the command line (`all` included). */
export const NON_COMBINABLE_ACTIONS = ["rebuild", "validate", "initialize", "all"] as const;

/** Fixed execution indexes of the built-in actions in index order mode. */
export const BUILTIN_ACTION_INDEXES: Readonly<Record<(typeof BUILTIN_ACTIONS)[number], number>> = {
  rebuild: 0,
  validate: 0,
  initialize: 0,
  collect: 100,
  stage: 200,
  store: 300,
  purge: 400,
};

/** How extended actions are ordered against the built-ins (`<extensions><order_mode>`). */
export type ActionOrderMode = "index" | "dependency";

/** One configured extended action, as far as ordering is concerned. */
export interface OrderedExtension {
  readonly name: string;
  /** `<index>`; required in index mode (a missing one counts as 0). */
  readonly index?: number;
  /** `<depends><run_before>`: actions this one must run before (dependency mode). */
  readonly runBefore?: readonly string[];
  /** `<depends><run_after>`: actions this one must run after (dependency mode). */
  readonly runAfter?: readonly string[];
}

/** The `<extensions>` section, as far as ordering is concerned. */
export interface ExtensionOrdering {
  readonly orderMode: ActionOrderMode;
  /** Extended actions in configuration order. */
  readonly actions: readonly OrderedExtension[];
}

/** A managed remote peer and the actions it manages (its own list, else the options list). */
export interface ManagedPeerActions {
  readonly name: string;
  readonly actions: readonly string[];
}

/** Everything {@link planActionOrder} decides from. */
export interface ActionOrderInput {
  /** Action words from the command line, in order, duplicates kept. */
  readonly requested: readonly string[];
  readonly extensions: ExtensionOrdering;
  /** Managed remote peers in configuration order. */
  readonly managedPeers: readonly ManagedPeerActions[];
  /** `--managed`: also run each action on the managed peers that list it. */
  readonly managed: boolean;
  /** `--managed-only`: run actions only on managed peers (no local steps, hence no hooks). */
  readonly managedOnly: boolean;
}

/**
 * One step of the plan. A local step runs the action (with its hooks) on this machine; a
 * managed step runs it on each listed peer, in configuration order.
 */
export type PlannedStep =
  | { readonly kind: "local"; readonly action: string; readonly index: number }
  | {
      readonly kind: "managed";
      readonly action: string;
      readonly index: number;
      readonly peers: readonly string[];
    };

/**
 * Plan the run: validate the requested actions, expand `all`, give every action its index
 * (index or dependency mode) and interleave local and managed steps, sorted by
 * (index, local before managed) with ties kept in command-line order.
 *
 * @throws ConfigError (exit 4) with Cedar's message when the dependencies are unknown or
 *   circular, no action is requested, an action is unknown, or a non-combinable action is
 *   combined.
 */
export function planActionOrder(input: ActionOrderInput): PlannedStep[] {
  const indexes = actionIndexes(input.extensions);
  validateRequestedActions(input.requested, input.extensions.actions);

  const includeLocal = !input.managedOnly;
  const includeManaged = input.managed || input.managedOnly;
  const peersByAction = managedPeersByAction(input.managedPeers);
  const stepsFor = (action: string): PlannedStep[] => {
    const index = indexes.get(action) ?? 0;
    const steps: PlannedStep[] = [];
    if (includeLocal) steps.push({ kind: "local", action, index });
    const peers = peersByAction.get(action);
    if (includeManaged && peers !== undefined) {
      steps.push({ kind: "managed", action, index, peers });
    }
    return steps;
  };

  const unsorted = input.requested.flatMap((action) =>
    action === "all" ? ALL_ACTIONS.flatMap(stepsFor) : stepsFor(action),
  );
  // Array.prototype.sort is stable, which is what keeps command-line order on ties.
  return unsorted.sort((a, b) => a.index - b.index || kindRank(a) - kindRank(b));
}

function kindRank(step: PlannedStep): number {
  return step.kind === "local" ? 0 : 1;
}

/**
 * Check the requested action words as Cedar does, in Cedar's order: none at all, then the
 * first unknown word, then the non-combinable actions in the order rebuild, validate,
 * initialize, all (`validate validate` is rejected too).
 *
 * @throws ConfigError on the first problem found.
 */
export function validateRequestedActions(
  requested: readonly string[],
  extensions: readonly OrderedExtension[],
): void {
  if (requested.length === 0) throw new ConfigError("No actions specified.");
  const known = new Set<string>([...BUILTIN_ACTIONS, "all", ...extensions.map((e) => e.name)]);
  for (const action of requested) {
    if (!known.has(action)) {
      throw new ConfigError(`Action [${action}] is not a valid action or extended action.`);
    }
  }
  for (const action of NON_COMBINABLE_ACTIONS) {
    if (requested.includes(action) && requested.length !== 1) {
      throw new ConfigError(`Action [${action}] may not be combined with other actions.`);
    }
  }
}

/**
 * The execution index of every action name. Index mode is used when there are no
 * extended actions at all, whatever the order mode says (as in Cedar).
 *
 * @throws ConfigError in dependency mode when a dependency is unknown or circular.
 */
export function actionIndexes(extensions: ExtensionOrdering): ReadonlyMap<string, number> {
  const indexes = new Map<string, number>();
  if (extensions.actions.length === 0 || extensions.orderMode === "index") {
    for (const action of BUILTIN_ACTIONS) indexes.set(action, BUILTIN_ACTION_INDEXES[action]);
    for (const extension of extensions.actions) indexes.set(extension.name, extension.index ?? 0);
    return indexes;
  }
  // A name that appears twice (an extension named like a built-in) keeps its last position.
  dependencyOrder(extensions.actions).forEach((action, position) => {
    indexes.set(action, position + 1);
  });
  return indexes;
}

interface Vertex {
  readonly name: string;
  readonly successors: Vertex[];
  state: "undiscovered" | "discovered" | "explored";
}

/** The fixed edges between built-ins: collect, then stage, then store, then purge. */
const BUILTIN_EDGES: readonly (readonly [string, string])[] = [
  ["collect", "stage"],
  ["collect", "store"],
  ["collect", "purge"],
  ["stage", "store"],
  ["stage", "purge"],
  ["store", "purge"],
];

/**
 * Every action (built-ins, then extensions) in dependency order. This reproduces Cedar's
 * DirectedGraph exactly, because the order of unrelated actions depends on it: vertices
 * and edges are visited in creation order by a depth-first search from a hidden start
 * vertex, and each vertex is put in front of the result when it is finished. So
 * extensions without dependencies come first, in reverse configuration order.
 *
 * @throws ConfigError when a dependency names an unknown action, or on a cycle.
 */
export function dependencyOrder(extensions: readonly OrderedExtension[]): string[] {
  const start: Vertex[] = [];
  const byName = new Map<string, Vertex>();
  const addVertex = (name: string): void => {
    const vertex: Vertex = { name, successors: [], state: "undiscovered" };
    start.push(vertex);
    byName.set(name, vertex);
  };
  // Every vertex exists once the vertices are created, so only extension edges can fail.
  const addEdge = (from: string, to: string, extension: string): void => {
    const source = byName.get(from);
    const target = byName.get(to);
    if (source === undefined || target === undefined) {
      throw new ConfigError(
        "Unable to determine proper action order due to invalid dependency: " +
          `dependency [${source === undefined ? from : to}] on extension [${extension}] is unknown.`,
      );
    }
    source.successors.push(target);
  };

  for (const action of BUILTIN_ACTIONS) addVertex(action);
  for (const extension of extensions) addVertex(extension.name);
  for (const [from, to] of BUILTIN_EDGES) addEdge(from, to, "");
  for (const extension of extensions) {
    for (const before of extension.runBefore ?? []) addEdge(extension.name, before, extension.name);
    for (const after of extension.runAfter ?? []) addEdge(after, extension.name, extension.name);
  }

  const order: string[] = [];
  const visit = (vertex: Vertex): void => {
    vertex.state = "discovered";
    for (const next of vertex.successors) {
      if (next.state === "undiscovered") visit(next);
      else if (next.state === "discovered") {
        throw new ConfigError(
          "Unable to determine proper action order due to dependency recursion: " +
            `[${vertex.name}] leads back to [${next.name}]; check the extensions for loops.`,
        );
      }
    }
    vertex.state = "explored";
    order.unshift(vertex.name);
  };
  for (const vertex of start) {
    if (vertex.state === "undiscovered") visit(vertex);
  }
  return order;
}

/** For each action name, the managed peers that list it: each peer once, in config order. */
function managedPeersByAction(peers: readonly ManagedPeerActions[]): Map<string, string[]> {
  const byAction = new Map<string, string[]>();
  peers.forEach((peer) => {
    for (const action of new Set(peer.actions)) {
      const list = byAction.get(action);
      if (list === undefined) byAction.set(action, [peer.name]);
      else list.push(peer.name);
    }
  });
  return byAction;
}
