/**
 * `<stage>`: the staging directory and, optionally, the peers to stage from. Peers listed
 * here replace the `<peers>` section for staging (see config/normalize.ts).
 */
import type { StageConfig } from "../types.js";
import { readAbsolutePath, type ReadContext } from "../xml/read-fields.js";
import { element, textElement, type XmlElement } from "../xml/write-xml.js";
import type { XmlNode } from "../xml/xml-node.js";
import { readPeerList, writePeerElements } from "./peers.js";
import { definedFields } from "./shared-fields.js";

/**
 * Read `<stage>`: `staging_dir` (absolute path) and its `<peer>` entries.
 * @returns `undefined` when the section is absent.
 */
export function readStageSection(
  node: XmlNode | undefined,
  ctx: ReadContext,
): StageConfig | undefined {
  if (node === undefined) return undefined;
  const targetDir = readAbsolutePath(node, "staging_dir", ctx);
  const peers = readPeerList(node, ctx);
  return definedFields<StageConfig>({
    targetDir,
    localPeers: peers.localPeers,
    remotePeers: peers.remotePeers,
  });
}

/** `<stage>` as an element. */
export function writeStageSection(value: StageConfig): XmlElement {
  return element("stage", [
    textElement("staging_dir", value.targetDir),
    ...writePeerElements(value),
  ]);
}
