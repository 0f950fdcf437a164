import { DOMParser, type Node as DomNode } from "@xmldom/xmldom";
import type { ConfigIssue } from "../../errors/cback-error.js";
import type { XmlNode } from "./xml-node.js";

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const DOCUMENT_TYPE_NODE = 10;

/** Result of {@link parseXml}: the root element when the document is well formed. */
export interface ParsedXml {
  readonly root: XmlNode | undefined;
  readonly issues: readonly ConfigIssue[];
}

/**
 * Parse an XML document into {@link XmlNode}s with line and column numbers.
 * Malformed XML becomes one error issue with its position. A document type declaration
 * is refused outright (no DTD, no entity definitions: no XML bombs, no external entities),
 * the one deliberate difference from Cedar, whose expat parser accepts internal DTDs.
 */
export function parseXml(text: string, file?: string): ParsedXml {
  const issues: ConfigIssue[] = [];
  const at = (line?: number, column?: number) => ({
    ...(file === undefined ? {} : { file }),
    ...(line === undefined ? {} : { line }),
    ...(column === undefined ? {} : { column }),
  });
  if (text.trim() === "") {
    return {
      root: undefined,
      issues: [
        {
          severity: "error",
          ...at(1, 1),
          path: "",
          message: "unable to parse XML document: the file is empty",
        },
      ],
    };
  }
  const doctype = findDoctype(text);
  if (doctype !== undefined) {
    issues.push({
      severity: "error",
      ...at(doctype.line, doctype.column),
      path: "",
      message:
        "document type declarations (<!DOCTYPE>) are refused: they allow entity expansion attacks; remove the DOCTYPE line",
    });
    return { root: undefined, issues };
  }
  // xmldom reports problems through onError (and then wraps them in its own error); keep
  // the first report as it was made. Warnings count too: expat, Cedar's parser, refuses
  // what xmldom only warns about (unquoted attribute values, for example).
  let first: { message: string; line?: number; column?: number } | undefined;
  let doc;
  try {
    doc = new DOMParser({
      onError: (_level, message, context) => {
        const locator = (
          context as { locator?: { lineNumber?: number; columnNumber?: number } } | undefined
        )?.locator;
        first ??= {
          message: message.trim(),
          ...(locator?.lineNumber === undefined ? {} : { line: locator.lineNumber }),
          ...(locator?.columnNumber === undefined ? {} : { column: locator.columnNumber }),
        };
        throw new Error(message);
      },
    }).parseFromString(text, "text/xml");
  } catch (error) {
    const report = first ?? { message: (error as Error).message };
    const firstLine = (report.message.split("\n")[0] ?? report.message).trim();
    issues.push({
      severity: "error",
      ...at(report.line !== undefined && report.line > 0 ? report.line : undefined, report.column),
      path: "",
      message: `unable to parse XML document: ${firstLine}`,
    });
    return { root: undefined, issues };
  }
  for (let node = doc.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === DOCUMENT_TYPE_NODE) {
      issues.push({
        severity: "error",
        ...at(node.lineNumber, node.columnNumber),
        path: "",
        message:
          "document type declarations (<!DOCTYPE>) are refused: they allow entity expansion attacks; remove the DOCTYPE line",
      });
      return { root: undefined, issues };
    }
  }
  const element = doc.documentElement;
  if (element === null) {
    issues.push({
      severity: "error",
      ...at(1, 1),
      path: "",
      message: "unable to parse XML document: no root element",
    });
    return { root: undefined, issues };
  }
  return { root: convert(element, ""), issues };
}

function convert(node: DomNode, path: string): XmlNode {
  const children: XmlNode[] = [];
  let text: string | undefined;
  const counts = new Map<string, number>();
  const totals = new Map<string, number>();
  for (let child = node.firstChild; child !== null; child = child.nextSibling) {
    if (child.nodeType === ELEMENT_NODE)
      totals.set(child.nodeName, (totals.get(child.nodeName) ?? 0) + 1);
  }
  for (let child = node.firstChild; child !== null; child = child.nextSibling) {
    if (child.nodeType === TEXT_NODE && text === undefined) {
      text = child.nodeValue ?? "";
    } else if (child.nodeType === ELEMENT_NODE) {
      const name = child.nodeName;
      const index = (counts.get(name) ?? 0) + 1;
      counts.set(name, index);
      const suffix = (totals.get(name) ?? 0) > 1 ? `[${index}]` : "";
      children.push(convert(child, path === "" ? `${name}${suffix}` : `${path}/${name}${suffix}`));
    }
  }
  const attrs: Record<string, string> = {};
  const element = node as DomNode & { attributes?: ArrayLike<{ name: string; value: string }> };
  for (let i = 0; i < (element.attributes?.length ?? 0); i++) {
    const attr = element.attributes?.[i];
    if (attr !== undefined) attrs[attr.name] = attr.value;
  }
  return {
    name: node.nodeName,
    text,
    attrs,
    children,
    path,
    line: node.lineNumber,
    column: node.columnNumber,
  };
}

/**
 * Where a document type declaration starts, if the prolog (everything before the root
 * element, comments blanked out) has one. Checked before parsing, because the parser
 * stumbles over the entities a DTD declares before it gets to report the DTD itself.
 */
function findDoctype(text: string): { line: number; column: number } | undefined {
  const prolog = text.replace(/<!--[\s\S]*?-->/g, (comment) => comment.replace(/[^\n]/g, " "));
  const rootStart = prolog.search(/<[A-Za-z_:]/);
  const index = prolog.slice(0, rootStart < 0 ? undefined : rootStart).search(/<!DOCTYPE/i);
  if (index < 0) return undefined;
  const before = text.slice(0, index).split("\n");
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
