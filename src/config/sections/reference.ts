/** `<reference>`: free text describing the file. Cedar never validates it. */
import type { ReferenceConfig } from "../types.js";
import { readString, type ReadContext } from "../xml/read-fields.js";
import { element, textElement, type XmlElement } from "../xml/write-xml.js";
import type { XmlNode } from "../xml/xml-node.js";
import { definedFields } from "./shared-fields.js";

/**
 * Read `<reference>` (author, revision, description, generator; all optional strings).
 * @returns `undefined` when the section is absent.
 */
export function readReferenceSection(
  node: XmlNode | undefined,
  _ctx: ReadContext,
): ReferenceConfig | undefined {
  if (node === undefined) return undefined;
  return definedFields<ReferenceConfig>({
    author: readString(node, "author"),
    revision: readString(node, "revision"),
    description: readString(node, "description"),
    generator: readString(node, "generator"),
  });
}

/** `<reference>` as an element, fields in Cedar's order; unset fields are left out. */
export function writeReferenceSection(value: ReferenceConfig): XmlElement {
  return element("reference", [
    textElement("author", value.author),
    textElement("revision", value.revision),
    textElement("description", value.description),
    textElement("generator", value.generator),
  ]);
}
