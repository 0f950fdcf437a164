import { createRequire } from "node:module";
import type * as Saxes from "saxes";
import type { ConfigIssue } from "../../errors/cback-error.js";
import type { XmlNode } from "./xml-node.js";

// saxes is CommonJS. Imported from ESM it costs about 14 MiB of RSS at start-up (measured on
// Node 20, against 1 MiB through require): see docs/decisions/0002-xml-parser.md.
const { SaxesParser } = createRequire(import.meta.url)("saxes") as typeof Saxes;

/** Result of {@link parseXml}: the root element when the document is well formed. */
export interface ParsedXml {
  readonly root: XmlNode | undefined;
  readonly issues: readonly ConfigIssue[];
}

const DOCTYPE_REFUSED =
  "document type declarations (<!DOCTYPE>) are refused: they allow entity expansion attacks; remove the DOCTYPE line";

/** An element while the document is read; paths are given once its siblings are known. */
interface RawElement {
  readonly name: string;
  readonly start: number;
  attrs: Readonly<Record<string, string>>;
  /** Cedar's value: the first text node, which the first non-text child ends. */
  text: string | undefined;
  textEnded: boolean;
  readonly children: RawElement[];
}

/** Line and column (both 1-based) of an index in the document's text. */
type Locate = (index: number) => { line: number; column: number };

/** Why the parse stopped: the message and the index in the text it points at. */
interface Failure {
  readonly message: string;
  readonly index: number;
}

/**
 * Parse an XML document into {@link XmlNode}s with line and column numbers.
 * Malformed XML becomes one error issue with its position. A document type declaration
 * is refused outright (no DTD, no entity definitions: no XML bombs, no external entities),
 * the one deliberate difference from Cedar, whose expat parser accepts internal DTDs.
 */
export function parseXml(text: string, file?: string): ParsedXml {
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
    return {
      root: undefined,
      issues: [
        {
          severity: "error",
          ...at(doctype.line, doctype.column),
          path: "",
          message: DOCTYPE_REFUSED,
        },
      ],
    };
  }
  const locate = positions(text);
  const result = readElements(text, locate);
  if ("root" in result) return { root: convert(result.root, "", locate), issues: [] };
  const { line, column } = locate(result.index);
  return {
    root: undefined,
    issues: [{ severity: "error", ...at(line, column), path: "", message: result.message }],
  };
}

/** What {@link describeError} knows about the text when saxes reports a problem. */
interface ErrorContext {
  readonly text: string;
  readonly locate: Locate;
  /** Index of the last character saxes read: where it found the problem. */
  readonly read: number;
  /** Index just after the last complete tag, comment, CDATA section or declaration. */
  readonly settled: number;
  readonly open: readonly RawElement[];
  /** The element the last closing tag closed (or, on a mismatch, should have closed). */
  readonly lastClosed: RawElement | undefined;
}

/**
 * Read the document with saxes into {@link RawElement}s, or say why it is refused. The
 * parser stops at the first problem: after one, saxes only guesses at the structure.
 */
function readElements(text: string, locate: Locate): { readonly root: RawElement } | Failure {
  // Namespaces are processed, as minidom does (Cedar's parser): a prefix must be declared.
  // Names stay qualified ("a:b"), and xmlns attributes are attributes, as in minidom.
  const parser = new SaxesParser({ xmlns: true, position: true });
  const open: RawElement[] = [];
  let root: RawElement | undefined;
  let lastClosed: RawElement | undefined;
  let settled = 0;
  let closing = false;
  let first: Failure | undefined;
  let unfinished: Failure | undefined;
  const settle = () => {
    settled = parser.position;
  };
  // A comment, processing instruction, CDATA section or child element ends the text node
  // being read, so only the text before it is the element's value.
  const endText = () => {
    const current = open.at(-1);
    if (current?.text !== undefined) current.textEnded = true;
  };
  parser.on("xmldecl", settle);
  parser.on("opentagstart", (tag) => {
    endText();
    // saxes has read the name and the character after it; the `<` is just before the name.
    const element: RawElement = {
      name: tag.name,
      start: text.lastIndexOf(`<${tag.name}`, parser.position - tag.name.length - 1),
      attrs: {},
      text: undefined,
      textEnded: false,
      children: [],
    };
    open.at(-1)?.children.push(element);
    root ??= element;
    open.push(element);
  });
  parser.on("opentag", (tag) => {
    const attrs: Record<string, string> = {};
    for (const [name, attribute] of Object.entries(tag.attributes)) {
      attrs[name] = typeof attribute === "string" ? attribute : attribute.value;
    }
    const current = open.at(-1);
    if (current !== undefined) current.attrs = attrs;
    settle();
  });
  parser.on("closetag", () => {
    lastClosed = open.pop();
    settle();
  });
  parser.on("text", (data) => {
    const current = open.at(-1);
    if (current === undefined || current.textEnded || data === "") return;
    current.text = (current.text ?? "") + data;
  });
  for (const event of ["comment", "processinginstruction"] as const) {
    parser.on(event, () => {
      endText();
      settle();
    });
  }
  parser.on("cdata", (data) => {
    // An empty CDATA section makes no node (in minidom as in xmldom): the text goes on.
    if (data !== "") endText();
    settle();
  });
  parser.on("doctype", () => {
    first ??= { message: DOCTYPE_REFUSED, index: text.lastIndexOf("<!DOCTYPE", parser.position) };
    throw new Error(DOCTYPE_REFUSED);
  });
  parser.on("error", (error) => {
    const said = (
      error.message.replace(`${parser.line}:${parser.column}: `, "").split("\n")[0] ?? ""
    )
      .trim()
      .replace(/\.$/, "");
    const read = Math.max(0, Math.min(parser.position, text.length) - 1);
    const failure = describeError(said, { text, locate, read, settled, open, lastClosed });
    if (said === "unexpected end") unfinished ??= failure;
    else first ??= failure;
    // At the end of the text saxes reports every unclosed tag, then the unfinished comment,
    // tag or reference if any, which explains the rest: let it finish there, stop elsewhere.
    if (!closing) throw error;
  });
  try {
    parser.write(text);
    closing = true;
    parser.close();
  } catch (error) {
    if (first === undefined && unfinished === undefined) throw error;
  }
  const failure = unfinished ?? first;
  if (failure !== undefined) return failure;
  if (root === undefined) {
    return { message: "unable to parse XML document: no root element", index: 0 };
  }
  return { root };
}

const BARE_AMPERSAND = 'unescaped "&": write it as &amp;';

/**
 * Our message for a saxes error (its own text, without position and final period, some
 * of it said more plainly) and the index of the offending token in the text: where saxes
 * found the problem unless the token starts earlier.
 */
function describeError(said: string, at: ErrorContext): Failure {
  const { text, read } = at;
  const failure = (message: string, index = read): Failure => ({
    message: `unable to parse XML document: ${message}`,
    index,
  });
  switch (said) {
    case "unexpected close tag": {
      // saxes has just popped the element this closing tag should have closed.
      const start = text.lastIndexOf("</", read);
      const closing = text.slice(start + 2, read).trim();
      if (at.lastClosed === undefined) return failure(said, start);
      const { line, column } = at.locate(at.lastClosed.start);
      const opened = `<${at.lastClosed.name}> opened at ${line}:${column}`;
      return failure(`closing tag </${closing}> does not match ${opened}`, start);
    }
    case "undefined entity":
    case "disallowed character in entity name":
    case "empty entity name":
    case "malformed character entity": {
      // saxes reads a reference up to the next ";": its "&" is the first one after the
      // ";" before.
      const start = text.indexOf("&", text.lastIndexOf(";", read - 1) + 1);
      const reference = text.slice(start, read + 1);
      if (said === "undefined entity") {
        return failure(
          `undefined entity ${reference} (XML defines only &amp; &lt; &gt; &apos; &quot;)`,
          start,
        );
      }
      if (said === "malformed character entity") {
        return failure(`malformed character reference ${reference}`, start);
      }
      return failure(BARE_AMPERSAND, start);
    }
    case "unexpected end":
      return unfinishedAtEnd(at);
    case "text data outside of root node": {
      const start = text.slice(at.settled).search(/\S/);
      return failure("text outside the root element", start < 0 ? read : at.settled + start);
    }
    case "documents may contain only one root":
      return failure("a second root element (a document has only one)", at.open.at(-1)?.start);
    case "disallowed character": {
      if (text[read] === "<") return failure('"<" in an attribute value: write it as &lt;');
      const code = (text.codePointAt(read) ?? 0).toString(16).toUpperCase().padStart(4, "0");
      return failure(`character U+${code} is not allowed in XML`);
    }
    case "disallowed character in attribute name":
      if (text[read] === "/" || text[read] === ">") return failure("attribute without value");
      return failure(said);
    case "malformed comment":
      return failure('"--" inside a comment', read - 2);
    case "incorrect syntax":
      return failure(
        '"<!" that starts neither a comment nor a CDATA section',
        text.lastIndexOf("<!", read),
      );
    case "inappropriately located doctype declaration":
      return { message: DOCTYPE_REFUSED, index: text.lastIndexOf("<!", read) };
    case "weird empty close tag":
      return failure("empty closing tag </>", text.lastIndexOf("</", read));
  }
  if (said.startsWith("unbound namespace prefix: ")) {
    // Found at the end of the start tag that uses it: point at that tag.
    const prefix = said.slice("unbound namespace prefix: ".length);
    return failure(
      `undeclared namespace prefix ${prefix} (declare it with xmlns:${prefix.replace(/"/g, "")}="...", or remove it)`,
      at.open.at(-1)?.start,
    );
  }
  if (said.startsWith("unclosed tag: ")) {
    // saxes reports the innermost unclosed element first: point at its start tag.
    const unclosed = at.open.at(-1);
    if (unclosed !== undefined) return failure(`unclosed tag <${unclosed.name}>`, unclosed.start);
  }
  return failure(said);
}

/**
 * The text ended inside a comment, tag, CDATA section or reference: the first markup
 * after the last complete one (complete references aside) is the one left open.
 */
function unfinishedAtEnd(at: ErrorContext): Failure {
  const { text, settled } = at;
  const found = /<|&(?!(?:[A-Za-z_:][\w.:-]*|#[0-9]+|#x[0-9a-fA-F]+);)/.exec(text.slice(settled));
  const index = found === null ? text.length : settled + found.index;
  const rest = text.slice(index);
  const message = rest.startsWith("&")
    ? BARE_AMPERSAND
    : rest.startsWith("<!--")
      ? 'comment not closed (no "-->")'
      : rest.startsWith("<![CDATA[")
        ? 'CDATA section not closed (no "]]>")'
        : rest.startsWith("<?")
          ? 'processing instruction not closed (no "?>")'
          : rest.startsWith("</")
            ? 'closing tag not finished (no ">")'
            : rest.startsWith("<")
              ? 'start tag not finished (no ">")'
              : "unexpected end of the document";
  return { message: `unable to parse XML document: ${message}`, index };
}

/**
 * Line and column (both 1-based) of an index in the text, as editors (and xmldom before
 * saxes) count them: line ends are LF, CRLF or CR; a column is one UTF-16 unit (a character
 * outside the BMP takes two, a tab one); a byte order mark at the start takes none.
 */
function positions(text: string): Locate {
  const starts = [text.startsWith("\uFEFF") ? 1 : 0];
  for (const end of text.matchAll(/\r\n?|\n/g)) starts.push(end.index + end[0].length);
  return (index) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if ((starts[middle] ?? 0) <= index) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: Math.max(1, index - (starts[low] ?? 0) + 1) };
  };
}

function convert(element: RawElement, path: string, locate: Locate): XmlNode {
  const totals = new Map<string, number>();
  for (const child of element.children) totals.set(child.name, (totals.get(child.name) ?? 0) + 1);
  const counts = new Map<string, number>();
  const children = element.children.map((child) => {
    const index = (counts.get(child.name) ?? 0) + 1;
    counts.set(child.name, index);
    const suffix = (totals.get(child.name) ?? 0) > 1 ? `[${index}]` : "";
    const name = `${child.name}${suffix}`;
    return convert(child, path === "" ? name : `${path}/${name}`, locate);
  });
  const { line, column } = locate(element.start);
  return {
    name: element.name,
    text: element.text,
    attrs: element.attrs,
    children,
    path,
    line,
    column,
  };
}

/**
 * Where a document type declaration starts, if the prolog (everything before the root
 * element, comments blanked out) has one. Checked before parsing, so that a DTD is
 * refused as such rather than for the entities it declares.
 */
function findDoctype(text: string): { line: number; column: number } | undefined {
  const prolog = text.replace(/<!--[\s\S]*?-->/g, (comment) => comment.replace(/[^\n]/g, " "));
  const rootStart = prolog.search(/<[A-Za-z_:]/);
  const index = prolog.slice(0, rootStart < 0 ? undefined : rootStart).search(/<!DOCTYPE/i);
  if (index < 0) return undefined;
  const before = text.slice(0, index).split("\n");
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
