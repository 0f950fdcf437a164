/**
 * `<stage>`: the staging directory and, optionally, the peers to stage from. Peers listed
 * here replace the `<peers>` section for staging (see config/normalize.ts). `<concurrency>`
 * and `<share_connection>` are ours (cback3 ignores unknown elements): how many peers are
 * staged at once, and whether one ssh connection serves all the copies of a remote peer.
 */
import type { StageConfig } from "../types.js";
import {
  readAbsolutePath,
  readBoolean,
  readInteger,
  type ReadContext,
} from "../xml/read-fields.js";
import { element, textElement, type XmlElement } from "../xml/write-xml.js";
import type { XmlNode } from "../xml/xml-node.js";
import { readPeerList, writePeerElements } from "./peers.js";
import { definedFields } from "./shared-fields.js";

/**
 * Read `<stage>`: `staging_dir` (absolute path), `concurrency` (int >= 1),
 * `share_connection` (Y/N) and its `<peer>` entries.
 * @returns `undefined` when the section is absent.
 */
export function readStageSection(
  node: XmlNode | undefined,
  ctx: ReadContext,
): StageConfig | undefined {
  if (node === undefined) return undefined;
  const targetDir = readAbsolutePath(node, "staging_dir", ctx);
  const concurrency = readInteger(node, "concurrency", ctx, { min: 1 });
  const shareConnection = readBoolean(node, "share_connection", ctx);
  const peers = readPeerList(node, ctx);
  return definedFields<StageConfig>({
    targetDir,
    concurrency,
    shareConnection,
    localPeers: peers.localPeers,
    remotePeers: peers.remotePeers,
  });
}

/** `<stage>` as an element. */
export function writeStageSection(value: StageConfig): XmlElement {
  return element("stage", [
    textElement("staging_dir", value.targetDir),
    textElement("concurrency", value.concurrency),
    textElement("share_connection", value.shareConnection),
    ...writePeerElements(value),
  ]);
}
