/**
 * Cedar's document-level validation (`Config.validate`), one named rule per step and in
 * Cedar's order. Unlike Cedar, which stops at the first problem, every rule reports every
 * problem it finds. Issues are located at the element concerned, found through the parsed
 * tree; a config built in code (no tree) still gets element paths.
 *
 * A field whose element is present but whose value was rejected at read time is not
 * reported again as "must be filled in": the reader already said what is wrong with it.
 */
import { peerNodes } from "./sections/peers.js";
import { CD_MEDIA_TYPES, DVD_MEDIA_TYPES } from "./sections/shared-fields.js";
import type { Config, LocalPeerConfig, OptionsConfig, RemotePeerConfig } from "./types.js";
import { addIssue, quote, type ReadContext } from "./xml/read-fields.js";
import { childrenNamed, firstChild, type XmlNode } from "./xml/xml-node.js";

/** What rules read besides the config: the `cb_config` element it came from, if any. */
export interface RuleContext extends ReadContext {
  /** The `cb_config` element, for positions; `undefined` for a config built in code. */
  readonly root: XmlNode | undefined;
}

/** A document-level check: pushes one issue per problem into `ctx.issues`. */
export type Rule = (config: Config, ctx: RuleContext) => void;

/** An element (maybe absent) and its path; `anchor` is the nearest present element. */
interface Site {
  readonly path: string;
  readonly node: XmlNode | undefined;
  readonly anchor: XmlNode | undefined;
}

function rootSite(ctx: RuleContext): Site {
  return { path: "", node: ctx.root, anchor: ctx.root };
}

function childSite(parent: Site, name: string): Site {
  const node = firstChild(parent.node, name);
  const path = node?.path ?? joinPath(parent, name);
  return { path, node, anchor: node ?? parent.anchor };
}

function joinPath(parent: Site, name: string): string {
  return parent.path === "" ? name : `${parent.path}/${name}`;
}

/** Sites of the first `count` repeated `name` children (one per list entry of the config). */
function itemSites(parent: Site, name: string, count: number): Site[] {
  const found = childrenNamed(parent.node, name);
  return Array.from({ length: count }, (_, i) => {
    const node = found[i];
    const path = node?.path ?? `${joinPath(parent, name)}${count > 1 ? `[${i + 1}]` : ""}`;
    return { path, node, anchor: node ?? parent.anchor };
  });
}

/**
 * Sites of the local and remote peers of a list. Without a tree, paths number the peers
 * the way the writer emits them: local peers first.
 */
function peerSites(
  parent: Site,
  localCount: number,
  remoteCount: number,
): { local: Site[]; remote: Site[] } {
  const nodes = peerNodes(parent.node);
  const total = localCount + remoteCount;
  const site = (node: XmlNode | undefined, position: number): Site => {
    const path = node?.path ?? `${joinPath(parent, "peer")}${total > 1 ? `[${position + 1}]` : ""}`;
    return { path, node, anchor: node ?? parent.anchor };
  };
  return {
    local: Array.from({ length: localCount }, (_, i) => site(nodes.local[i], i)),
    remote: Array.from({ length: remoteCount }, (_, i) => site(nodes.remote[i], localCount + i)),
  };
}

function report(ctx: RuleContext, site: Site, message: string): void {
  addIssue(ctx, site.anchor, message, { path: site.path });
}

/** The element holds a value that its reader rejected (and already reported). */
function wasRejected(site: Site, value: unknown): boolean {
  return value === undefined && site.node?.text !== undefined;
}

/** Report "must be filled in" unless the value is set or was rejected at read time. */
function requireValue(ctx: RuleContext, site: Site, value: unknown, hint = ""): void {
  if (value === undefined && !wasRejected(site, value)) {
    report(ctx, site, `must be filled in${hint}`);
  }
}

function duplicates(names: readonly (string | undefined)[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const name of names) {
    if (name === undefined) continue;
    if (seen.has(name)) repeated.add(name);
    seen.add(name);
  }
  return [...repeated].sort();
}

/** Rule 1: a config must give at least one action something to do. */
export const atLeastOneActionSection: Rule = (config, ctx) => {
  const { collect, stage, store, purge } = config;
  if (collect === undefined && stage === undefined && store === undefined && purge === undefined) {
    report(
      ctx,
      rootSite(ctx),
      "at least one of the collect, stage, store and purge sections is required",
    );
  }
};

/** Rule 2: `<options>` is the one mandatory section. */
export const optionsSectionPresent: Rule = (config, ctx) => {
  if (config.options === undefined) {
    report(
      ctx,
      childSite(rootSite(ctx), "options"),
      "section is required: add <options> with starting_day, working_dir, backup_user, backup_group and rcp_command",
    );
  }
};

/**
 * Rule 3: each extended action has a name, module and function, plus an index (index
 * order mode, the default) or a `<depends>` (dependency mode); names are unique.
 */
export const extendedActionsComplete: Rule = (config, ctx) => {
  const actions = config.extensions?.actions;
  if (actions === undefined) return;
  const section = childSite(rootSite(ctx), "extensions");
  const orderMode = config.extensions?.orderMode;
  itemSites(section, "action", actions.length).forEach((site, i) => {
    const action = actions[i];
    if (action === undefined) return;
    requireValue(ctx, childSite(site, "name"), action.name, " (lower-case letters and digits)");
    requireValue(
      ctx,
      childSite(site, "module"),
      action.module,
      ' (e.g. "CedarBackup3.extend.sysinfo")',
    );
    requireValue(ctx, childSite(site, "function"), action.function, ' (e.g. "executeAction")');
    if (orderMode === undefined || orderMode === "index") {
      requireValue(
        ctx,
        childSite(site, "index"),
        action.index,
        " when order_mode is index (the default): a number >= 0, e.g. 99 to run just before collect (100)",
      );
    } else if (action.depends === undefined) {
      report(
        ctx,
        childSite(site, "depends"),
        "must be present when order_mode is dependency (an empty <depends/> is enough)",
      );
    }
  });
  const repeated = duplicates(actions.map((action) => action.name));
  if (repeated.length > 0) {
    report(
      ctx,
      section,
      `duplicate extension names: ${repeated.map(quote).join(", ")} (give each action its own name)`,
    );
  }
};

/** Rule 4: the options every action relies on are filled in. */
export const optionsComplete: Rule = (config, ctx) => {
  const options = config.options;
  if (options === undefined) return;
  const section = childSite(rootSite(ctx), "options");
  const field = (name: string) => childSite(section, name);
  requireValue(ctx, field("starting_day"), options.startingDay, " (monday to sunday, lower case)");
  requireValue(
    ctx,
    field("working_dir"),
    options.workingDir,
    " (an absolute path for temporary files)",
  );
  requireValue(ctx, field("backup_user"), options.backupUser, " (the user that owns backup files)");
  requireValue(
    ctx,
    field("backup_group"),
    options.backupGroup,
    " (the group that owns backup files)",
  );
  requireValue(ctx, field("rcp_command"), options.rcpCommand, ' (e.g. "/usr/bin/scp -B")');
};

/**
 * Cedar's peer-list rules: at least one peer; local peers have a name and a collect dir;
 * remote peers also an effective user and rcp command and, when managed, an effective rsh
 * command, cback command and non-empty managed-action list; names unique in the list.
 */
function checkPeerList(
  config: Config,
  ctx: RuleContext,
  parent: Site,
  localPeers: readonly LocalPeerConfig[] | undefined,
  remotePeers: readonly RemotePeerConfig[] | undefined,
  emptyHint: string,
): void {
  const local = localPeers ?? [];
  const remote = remotePeers ?? [];
  if (local.length + remote.length === 0) {
    report(ctx, parent, `must list at least one <peer> of type local or remote${emptyHint}`);
    return;
  }
  const sites = peerSites(parent, local.length, remote.length);
  local.forEach((peer, i) => {
    const site = sites.local[i];
    if (site === undefined) return;
    requireValue(ctx, childSite(site, "name"), peer.name);
    requireValue(
      ctx,
      childSite(site, "collect_dir"),
      peer.collectDir,
      " (the peer's collect directory)",
    );
  });
  const optionsSite = childSite(rootSite(ctx), "options");
  remote.forEach((peer, i) => {
    const site = sites.remote[i];
    if (site !== undefined) checkRemotePeer(ctx, site, peer, config.options, optionsSite);
  });
  const repeated = duplicates([...local, ...remote].map((peer) => peer.name));
  if (repeated.length > 0) {
    report(
      ctx,
      parent,
      `duplicate peer names: ${repeated.map(quote).join(", ")} (give each peer its own name)`,
    );
  }
}

function checkRemotePeer(
  ctx: RuleContext,
  site: Site,
  peer: RemotePeerConfig,
  options: OptionsConfig | undefined,
  optionsSite: Site,
): void {
  requireValue(ctx, childSite(site, "name"), peer.name);
  requireValue(
    ctx,
    childSite(site, "collect_dir"),
    peer.collectDir,
    " (the collect directory on the peer)",
  );
  const inherited = (name: string, own: unknown, fallback: unknown, why = "") => {
    const ownSite = childSite(site, name);
    if (own === undefined && fallback === undefined && !wasRejected(ownSite, own)) {
      report(ctx, ownSite, `must be set here or as options/${name}${why}`);
    }
  };
  inherited("backup_user", peer.backupUser, options?.backupUser);
  inherited("rcp_command", peer.rcpCommand, options?.rcpCommand);
  if (peer.managed !== true) return;
  inherited("rsh_command", peer.rshCommand, options?.rshCommand, " (the peer is managed)");
  inherited("cback_command", peer.cbackCommand, options?.cbackCommand, " (the peer is managed)");
  const ownSite = childSite(site, "managed_actions");
  const fromOptionsSite = childSite(optionsSite, "managed_actions");
  const hasOwn = (peer.managedActions?.length ?? 0) > 0;
  const hasInherited = (options?.managedActions?.length ?? 0) > 0;
  const rejected =
    wasRejected(ownSite, peer.managedActions) ||
    wasRejected(fromOptionsSite, options?.managedActions);
  if (!hasOwn && !hasInherited && !rejected) {
    report(
      ctx,
      ownSite,
      "must list at least one action here or in options/managed_actions (the peer is managed)",
    );
  }
}

/** Rule 5: a `<peers>` section, when present, is a valid peer list. */
export const peersSectionValid: Rule = (config, ctx) => {
  const peers = config.peers;
  if (peers === undefined) return;
  const site = childSite(rootSite(ctx), "peers");
  checkPeerList(config, ctx, site, peers.localPeers, peers.remotePeers, "");
};

/**
 * Rule 6: collect has its target directory; every file and dir has an absolute path and an
 * effective collect mode and archive mode (its own or the section's), every dir also an
 * effective ignore file; `dereference` needs a link depth of at least 1.
 */
export const collectComplete: Rule = (config, ctx) => {
  const collect = config.collect;
  if (collect === undefined) return;
  const section = childSite(rootSite(ctx), "collect");
  requireValue(
    ctx,
    childSite(section, "collect_dir"),
    collect.targetDir,
    " (where collect writes its archives)",
  );
  const inherited = (item: Site, name: string, own: unknown, fallback: unknown, values: string) => {
    const ownSite = childSite(item, name);
    const aliasSite = name === "collect_mode" ? childSite(item, "mode") : ownSite;
    const rejected =
      wasRejected(ownSite, own) ||
      wasRejected(aliasSite, own) ||
      wasRejected(childSite(section, name), fallback);
    if (own === undefined && fallback === undefined && !rejected) {
      report(ctx, ownSite, `must be set here or as collect/${name} (${values})`);
    }
  };
  const files = collect.collectFiles ?? [];
  itemSites(section, "file", files.length).forEach((site, i) => {
    const file = files[i];
    if (file === undefined) return;
    requireValue(ctx, childSite(site, "abs_path"), file.absPath);
    inherited(site, "collect_mode", file.collectMode, collect.collectMode, "daily, weekly or incr");
    inherited(site, "archive_mode", file.archiveMode, collect.archiveMode, "tar, targz or tarbz2");
  });
  const dirs = collect.collectDirs ?? [];
  itemSites(section, "dir", dirs.length).forEach((site, i) => {
    const dir = dirs[i];
    if (dir === undefined) return;
    requireValue(ctx, childSite(site, "abs_path"), dir.absPath);
    inherited(site, "collect_mode", dir.collectMode, collect.collectMode, "daily, weekly or incr");
    inherited(site, "archive_mode", dir.archiveMode, collect.archiveMode, "tar, targz or tarbz2");
    inherited(site, "ignore_file", dir.ignoreFile, collect.ignoreFile, 'e.g. ".cbignore"');
    const linkDepthSite = childSite(site, "link_depth");
    if (
      dir.dereference === true &&
      (dir.linkDepth === undefined || dir.linkDepth < 1) &&
      !wasRejected(linkDepthSite, dir.linkDepth)
    ) {
      report(
        ctx,
        childSite(site, "dereference"),
        "Y needs a link_depth of at least 1: set link_depth or remove dereference",
      );
    }
  });
};

/**
 * Rule 7: stage has its staging directory. Without a `<peers>` section its own peer list
 * must be valid; with one, its peers are checked only if it lists any (they replace it).
 */
export const stageComplete: Rule = (config, ctx) => {
  const stage = config.stage;
  if (stage === undefined) return;
  const section = childSite(rootSite(ctx), "stage");
  requireValue(
    ctx,
    childSite(section, "staging_dir"),
    stage.targetDir,
    " (the root of the staging tree)",
  );
  const listsPeers = (stage.localPeers?.length ?? 0) + (stage.remotePeers?.length ?? 0) > 0;
  if (config.peers === undefined || listsPeers) {
    checkPeerList(
      config,
      ctx,
      section,
      stage.localPeers,
      stage.remotePeers,
      ", or add a <peers> section",
    );
  }
};

/**
 * Rule 8: store has its source dir, media type and device; the media type suits the
 * device type (absent = cdwriter); a `<blank_behavior>` is not entirely empty.
 */
export const storeComplete: Rule = (config, ctx) => {
  const store = config.store;
  if (store === undefined) return;
  const section = childSite(rootSite(ctx), "store");
  const mediaSite = childSite(section, "media_type");
  requireValue(
    ctx,
    childSite(section, "source_dir"),
    store.sourceDir,
    " (the staging directory rebuild writes from)",
  );
  requireValue(
    ctx,
    mediaSite,
    store.mediaType,
    " (cdr-74, cdrw-74, cdr-80, cdrw-80, dvd+r or dvd+rw)",
  );
  requireValue(
    ctx,
    childSite(section, "target_device"),
    store.devicePath,
    ' (the writer device, e.g. "/dev/cdrw")',
  );
  const deviceSite = childSite(section, "device_type");
  if (store.mediaType !== undefined && !wasRejected(deviceSite, store.deviceType)) {
    const isDvd = store.deviceType === "dvdwriter";
    const suitable = isDvd ? DVD_MEDIA_TYPES : CD_MEDIA_TYPES;
    if (!suitable.includes(store.mediaType)) {
      const device = isDvd
        ? "dvdwriter"
        : store.deviceType === undefined
          ? "cdwriter (the default)"
          : "cdwriter";
      const other = isDvd ? "cdwriter" : "dvdwriter";
      report(
        ctx,
        mediaSite,
        `media type ${quote(store.mediaType)} does not match device type ${device}: use one of ${suitable.join(", ")}, or set device_type to ${other}`,
      );
    }
  }
  const blank = store.blankBehavior;
  if (blank !== undefined && blank.blankMode === undefined && blank.blankFactor === undefined) {
    const site = childSite(section, "blank_behavior");
    const rejected =
      wasRejected(childSite(site, "mode"), blank.blankMode) ||
      wasRejected(childSite(site, "factor"), blank.blankFactor);
    if (!rejected) {
      report(ctx, site, "must set mode (daily or weekly) and factor (e.g. 1.3), or be removed");
    }
  }
};

/** Rule 9: every purge dir has an absolute path and a retain-days value. */
export const purgeComplete: Rule = (config, ctx) => {
  const dirs = config.purge?.purgeDirs;
  if (dirs === undefined) return;
  const section = childSite(rootSite(ctx), "purge");
  itemSites(section, "dir", dirs.length).forEach((site, i) => {
    const dir = dirs[i];
    if (dir === undefined) return;
    requireValue(ctx, childSite(site, "abs_path"), dir.absPath);
    requireValue(ctx, childSite(site, "retain_days"), dir.retainDays, " (days to keep, 0 or more)");
  });
};

/** Cedar's document-level rules, in Cedar's order. */
export const CONFIG_RULES: readonly Rule[] = [
  atLeastOneActionSection,
  optionsSectionPresent,
  extendedActionsComplete,
  optionsComplete,
  peersSectionValid,
  collectComplete,
  stageComplete,
  storeComplete,
  purgeComplete,
];

/** Run every rule of {@link CONFIG_RULES}; problems are appended to `ctx.issues`. */
export function validateConfig(config: Config, ctx: RuleContext): void {
  for (const rule of CONFIG_RULES) rule(config, ctx);
}
