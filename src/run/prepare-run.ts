/**
 * Everything that happens between "here is a configuration path and some action words" and
 * "run these steps": load and validate the file, resolve the extensions, plan the order.
 * Every failure here is a configuration error (exit 4), as in Cedar.
 */
import { loadConfig, type SectionResult } from "../config/load-config.js";
import {
  commandOverrides,
  effectiveDeviceType,
  effectiveOrderMode,
  managedPeers,
  stagePeers,
  effectiveRcpCommand,
} from "../config/normalize.js";
import type { Config } from "../config/types.js";
import type { XmlNode } from "../config/xml/xml-node.js";
import { planActionOrder, type PlannedStep } from "../domain/action-order.js";
import { splitCommandLine } from "../domain/split-command-line.js";
import { ConfigError, type ConfigIssue } from "../errors/cback-error.js";
import {
  builtinSectionReaders,
  resolveExtensions,
  type ResolvedExtension,
} from "../extensions/registry.js";
import type { RequiredProgram } from "../actions/validate.js";

/** A configuration ready to run. */
export interface PreparedRun {
  readonly configPath: string;
  readonly config: Config;
  readonly root: XmlNode;
  readonly steps: readonly PlannedStep[];
  readonly extensions: ReadonlyMap<string, ResolvedExtension>;
  /** Problems that do not stop a run: warnings, and the sections of configured extensions. */
  readonly findings: readonly ConfigIssue[];
  /** `<override>`s that name a path: command -> path. */
  readonly overrides: ReadonlyMap<string, string>;
  readonly sections: ReadonlyMap<string, SectionResult>;
}

/** What to prepare. */
export interface PrepareRunInput {
  readonly configPath: string;
  readonly actions: readonly string[];
  readonly managed: boolean;
  readonly managedOnly: boolean;
}

/**
 * Load the configuration, resolve its extensions and plan the requested actions.
 * @throws ConfigError (exit 4) with every problem found.
 */
export async function prepareRun(input: PrepareRunInput): Promise<PreparedRun> {
  const result = await loadConfig(input.configPath, { sectionReaders: builtinSectionReaders });
  if (!result.ok) throw new ConfigError(result.issues);
  const { config, root, sections } = result;
  const { resolved, issues } = await resolveExtensions(config.extensions?.actions ?? []);
  if (issues.length > 0) {
    throw new ConfigError(issues.map((issue) => ({ ...issue, file: input.configPath })));
  }
  const steps = planActionOrder({
    requested: input.actions,
    extensions: {
      orderMode: effectiveOrderMode(config.extensions),
      actions: (config.extensions?.actions ?? []).flatMap((action) =>
        action.name === undefined
          ? []
          : [
              {
                name: action.name,
                ...(action.index === undefined ? {} : { index: action.index }),
                ...(action.depends?.runBefore === undefined
                  ? {}
                  : { runBefore: action.depends.runBefore }),
                ...(action.depends?.runAfter === undefined
                  ? {}
                  : { runAfter: action.depends.runAfter }),
              },
            ],
      ),
    },
    managedPeers: managedPeers(config).flatMap((peer) =>
      peer.name === undefined ? [] : [{ name: peer.name, actions: peer.managedActions }],
    ),
    managed: input.managed,
    managedOnly: input.managedOnly,
  });
  const findings: ConfigIssue[] = [...result.warnings];
  for (const ext of resolved.values()) {
    if (ext.kind !== "builtin" || ext.builtin.section === undefined) continue;
    findings.push(...(sections.get(ext.builtin.section.section)?.issues ?? []));
  }
  const overrides = new Map<string, string>();
  for (const [command, path] of commandOverrides(config.options)) {
    if (path !== undefined) overrides.set(command, path);
  }
  return {
    configPath: input.configPath,
    config,
    root,
    steps,
    extensions: resolved,
    findings,
    overrides,
    sections,
  };
}

/** The external programs a configuration will run, with the element that needs each. */
export function requiredPrograms(prepared: PreparedRun): RequiredProgram[] {
  const { config } = prepared;
  const programs: RequiredProgram[] = [];
  const add = (command: string | undefined, neededBy: string) => {
    const program = command === undefined ? undefined : splitCommandLine(command)[0];
    if (program !== undefined) programs.push({ program, neededBy });
  };
  for (const hook of config.options?.hooks ?? []) {
    add(hook.command, `the ${hook.type}-action hook of ${hook.action ?? "?"}`);
  }
  for (const peer of stagePeers(config).remotePeers) {
    add(effectiveRcpCommand(peer, config.options), `stage peer ${peer.name ?? "?"}`);
  }
  for (const peer of managedPeers(config)) {
    add(peer.rshCommand, `managed peer ${peer.name ?? "?"}`);
  }
  if (config.store !== undefined) {
    const store = config.store;
    const writer = effectiveDeviceType(store) === "dvdwriter" ? ["growisofs"] : ["cdrecord"];
    for (const program of [...writer, "mkisofs", "eject"]) add(program, "store");
    if (store.checkMedia === true) add("volname", "store/check_media");
    if (store.checkData === true)
      for (const program of ["mount", "umount"]) add(program, "store/check_data");
  }
  for (const ext of prepared.extensions.values()) {
    if (ext.kind !== "builtin") continue;
    for (const program of ext.builtin.programs) add(program, `the ${ext.name} extension`);
  }
  return programs;
}
