/**
 * A minimal XML writer for configuration documents: one element per line, three-space
 * indentation and `<?xml version='1.0' encoding='UTF-8'?>`, as Cedar writes its files.
 */

/** An element to write: a text value, child elements, or nothing (`<x/>`). */
export interface XmlElement {
  readonly name: string;
  readonly text?: string;
  readonly children?: readonly (XmlElement | undefined)[];
}

/** An element with text, or nothing when the value is unset (so unset fields are omitted). */
export function textElement(
  name: string,
  value: string | number | boolean | undefined,
): XmlElement | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === "boolean" ? (value ? "Y" : "N") : String(value);
  return { name, text };
}

/** An element holding children; unset children are skipped. */
export function element(
  name: string,
  children: readonly (XmlElement | undefined)[] = [],
): XmlElement {
  return { name, children };
}

function escapeText(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll("\r", "&#13;");
}

function writeElement(node: XmlElement, depth: number, out: string[]): void {
  const indent = "   ".repeat(depth);
  const children = (node.children ?? []).filter(
    (child): child is XmlElement => child !== undefined,
  );
  if (node.text !== undefined && node.text !== "") {
    out.push(`${indent}<${node.name}>${escapeText(node.text)}</${node.name}>`);
  } else if (children.length === 0) {
    out.push(`${indent}<${node.name}/>`);
  } else {
    out.push(`${indent}<${node.name}>`);
    for (const child of children) writeElement(child, depth + 1, out);
    out.push(`${indent}</${node.name}>`);
  }
}

/** Serialise a document whose root is `root`. */
export function writeXmlDocument(root: XmlElement): string {
  const out = ["<?xml version='1.0' encoding='UTF-8'?>"];
  writeElement(root, 0, out);
  return `${out.join("\n")}\n`;
}
