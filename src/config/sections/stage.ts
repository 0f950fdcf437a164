/**
 * `<stage>`: the staging directory and, optionally, the peers to stage from. Peers listed
 * here replace the `<peers>` section for staging (see config/normalize.ts). `<concurrency>`
 * is ours (cback3 ignores unknown elements): how many peers are staged at once.
 */
import type { StageConfig } from "../types.js";
import { readAbsolutePath, readInteger, type ReadContext } from "../xml/read-fields.js";
import { element, textElement, type XmlElement } from "../xml/write-xml.js";
import type { XmlNode } from "../xml/xml-node.js";
import { readPeerList, writePeerElements } from "./peers.js";
import { definedFields } from "./shared-fields.js";

/**
 * Read `<stage>`: `staging_dir` (absolute path), `concurrency` (int >= 1) and its `<peer>`
 * entries.
 * @returns `undefined` when the section is absent.
 */
export function readStageSection(
  node: XmlNode | undefined,
  ctx: ReadContext,
): StageConfig | undefined {
  if (node === undefined) return undefined;
  const targetDir = readAbsolutePath(node, "staging_dir", ctx);
  const concurrency = readInteger(node, "concurrency", ctx, { min: 1 });
  const peers = readPeerList(node, ctx);
  return definedFields<StageConfig>({
    targetDir,
    concurrency,
    localPeers: peers.localPeers,
    remotePeers: peers.remotePeers,
  });
}

/** `<stage>` as an element. */
export function writeStageSection(value: StageConfig): XmlElement {
  return element("stage", [
    textElement("staging_dir", value.targetDir),
    textElement("concurrency", value.concurrency),
    ...writePeerElements(value),
  ]);
}
