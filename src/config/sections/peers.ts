/**
 * Peers: the `<peer>` entries of `<peers>` and of `<stage>` (same element names in both).
 * A peer is dispatched on its `<type>`: exactly `local` or `remote`; any other value, or
 * none, drops the peer, as Cedar does (we add a warning so the user can see why).
 */
import type { LocalPeerConfig, PeersConfig, RemotePeerConfig } from "../types.js";
import {
  addIssue,
  childPath,
  quote,
  readAbsolutePath,
  readActionList,
  readBoolean,
  readEnum,
  readString,
  type ReadContext,
} from "../xml/read-fields.js";
import { element, textElement, type XmlElement } from "../xml/write-xml.js";
import { childrenNamed, firstChild, type XmlNode } from "../xml/xml-node.js";
import { csvElement, definedFields, IGNORE_FAILURE_MODES, nonEmpty } from "./shared-fields.js";

/** The `<peer>` elements below a parent, split the way Cedar reads them. */
export interface PeerNodes {
  /** Elements whose `<type>` is exactly `local`, in document order. */
  readonly local: readonly XmlNode[];
  /** Elements whose `<type>` is exactly `remote`, in document order. */
  readonly remote: readonly XmlNode[];
  /** Elements Cedar ignores: no `<type>`, or any other value. */
  readonly ignored: readonly XmlNode[];
}

/**
 * Split the `<peer>` children of `parent` by type. The peer lists of {@link readPeerList}
 * correspond index by index to `local` and `remote`, which is how rules find positions.
 */
export function peerNodes(parent: XmlNode | undefined): PeerNodes {
  const local: XmlNode[] = [];
  const remote: XmlNode[] = [];
  const ignored: XmlNode[] = [];
  for (const peer of childrenNamed(parent, "peer")) {
    const type = firstChild(peer, "type")?.text;
    if (type === "local") local.push(peer);
    else if (type === "remote") remote.push(peer);
    else ignored.push(peer);
  }
  return { local, remote, ignored };
}

/**
 * Read the `<peer>` children of `parent` (`<peers>` or `<stage>`): local peers, then remote
 * peers, each list absent when empty. Dropped peers are recorded as warnings.
 */
export function readPeerList(parent: XmlNode, ctx: ReadContext): PeersConfig {
  const nodes = peerNodes(parent);
  for (const peer of nodes.ignored) {
    const type = firstChild(peer, "type");
    const message =
      type?.text === undefined
        ? "peer ignored: <type> is missing; set it to local or remote"
        : `peer ignored: <type> must be exactly local or remote, got ${quote(type.text)}`;
    addIssue(ctx, type ?? peer, message, {
      severity: "warning",
      path: childPath(peer, "type"),
    });
  }
  return definedFields<PeersConfig>({
    localPeers: nonEmpty(nodes.local.map((peer) => readLocalPeer(peer, ctx))),
    remotePeers: nonEmpty(nodes.remote.map((peer) => readRemotePeer(peer, ctx))),
  });
}

function readLocalPeer(node: XmlNode, ctx: ReadContext): LocalPeerConfig {
  return definedFields<LocalPeerConfig>({
    type: "local",
    name: readString(node, "name"),
    collectDir: readAbsolutePath(node, "collect_dir", ctx),
    ignoreFailures: readEnum(node, "ignore_failures", IGNORE_FAILURE_MODES, ctx),
  });
}

function readRemotePeer(node: XmlNode, ctx: ReadContext): RemotePeerConfig {
  return definedFields<RemotePeerConfig>({
    type: "remote",
    name: readString(node, "name"),
    collectDir: readAbsolutePath(node, "collect_dir", ctx),
    backupUser: readString(node, "backup_user"),
    rcpCommand: readString(node, "rcp_command"),
    rshCommand: readString(node, "rsh_command"),
    cbackCommand: readString(node, "cback_command"),
    managed: readBoolean(node, "managed", ctx),
    managedActions: readActionList(node, "managed_actions", ctx),
    ignoreFailures: readEnum(node, "ignore_failures", IGNORE_FAILURE_MODES, ctx),
  });
}

/**
 * Read `<peers>`.
 * @returns `undefined` when the section is absent; an object with no lists when it is empty.
 */
export function readPeersSection(
  node: XmlNode | undefined,
  ctx: ReadContext,
): PeersConfig | undefined {
  return node === undefined ? undefined : readPeerList(node, ctx);
}

/** `<peer>` elements for a peer list: local peers, then remote peers (Cedar's order). */
export function writePeerElements(peers: PeersConfig): XmlElement[] {
  return [
    ...(peers.localPeers ?? []).map((peer) =>
      element("peer", [
        textElement("name", peer.name),
        textElement("type", "local"),
        textElement("collect_dir", peer.collectDir),
        textElement("ignore_failures", peer.ignoreFailures),
      ]),
    ),
    ...(peers.remotePeers ?? []).map((peer) =>
      element("peer", [
        textElement("name", peer.name),
        textElement("type", "remote"),
        textElement("collect_dir", peer.collectDir),
        textElement("backup_user", peer.backupUser),
        textElement("rcp_command", peer.rcpCommand),
        textElement("rsh_command", peer.rshCommand),
        textElement("cback_command", peer.cbackCommand),
        textElement("ignore_failures", peer.ignoreFailures),
        textElement("managed", peer.managed),
        csvElement("managed_actions", peer.managedActions),
      ]),
    ),
  ];
}

/** `<peers>` as an element. */
export function writePeersSection(value: PeersConfig): XmlElement {
  return element("peers", writePeerElements(value));
}
