/**
 * Typed field readers with Cedar's xmlutil semantics. They never throw: a bad value is
 * recorded as a ConfigIssue (with the element's position and path) and read as
 * `undefined`, so one pass over a document finds every problem.
 */
import type { ConfigIssue } from "../../errors/cback-error.js";
import { childrenNamed, firstChild, type XmlNode } from "./xml-node.js";

/** Where readers record what they find wrong. */
export interface ReadContext {
  readonly file: string | undefined;
  readonly issues: ConfigIssue[];
}

/** A fresh context for reading one file. */
export function createReadContext(file?: string): ReadContext {
  return { file, issues: [] };
}

/** Record an issue located at `node` (or, for a missing element, at its parent). */
export function addIssue(
  ctx: ReadContext,
  node: XmlNode | undefined,
  message: string,
  options: { path?: string; severity?: "error" | "warning" } = {},
): void {
  ctx.issues.push({
    severity: options.severity ?? "error",
    ...(ctx.file === undefined ? {} : { file: ctx.file }),
    path: options.path ?? node?.path ?? "",
    ...(node?.line === undefined ? {} : { line: node.line }),
    ...(node?.column === undefined ? {} : { column: node.column }),
    message,
  });
}

/** Path of a (possibly missing) child element, for messages. */
export function childPath(parent: XmlNode, name: string): string {
  return parent.path === "" ? name : `${parent.path}/${name}`;
}

/** Record "must be filled in" for a required child that is absent. */
export function addMissing(ctx: ReadContext, parent: XmlNode, name: string, what?: string): void {
  addIssue(ctx, firstChild(parent, name) ?? parent, `${what ?? `<${name}>`} must be filled in`, {
    path: childPath(parent, name),
  });
}

/** Quote a value the way messages show it. */
export function quote(value: string): string {
  return JSON.stringify(value);
}

/** String value of the first `name` child, verbatim (Cedar does not trim); absent when empty. */
export function readString(parent: XmlNode | undefined, name: string): string | undefined {
  return firstChild(parent, name)?.text;
}

/** An absolute path (starts with `/`, as Python's `isabs`), verbatim. */
export function readAbsolutePath(
  parent: XmlNode | undefined,
  name: string,
  ctx: ReadContext,
): string | undefined {
  const node = firstChild(parent, name);
  const value = node?.text;
  if (value === undefined) return undefined;
  if (!value.startsWith("/")) {
    addIssue(ctx, node, `must be an absolute path, got ${quote(value)}`);
    return undefined;
  }
  return value;
}

// Python's str.strip() also strips the separators U+001C to U+001F.
// eslint-disable-next-line no-control-regex
const PY_WHITESPACE = /^[\s\u001c-\u001f]+|[\s\u001c-\u001f]+$/g;
const PY_INT = /^[+-]?\d+(?:_\d+)*$/;

/** Python's `int(text)`: surrounding whitespace, a sign and `_` separators allowed. */
export function parsePythonInt(text: string): number | undefined {
  const trimmed = text.replace(PY_WHITESPACE, "");
  if (!PY_INT.test(trimmed)) return undefined;
  return Number.parseInt(trimmed.replaceAll("_", ""), 10);
}

const PY_FLOAT =
  /^[+-]?(?:(?:\d+(?:_\d+)*)?\.?\d+(?:_\d+)*(?:[eE][+-]?\d+(?:_\d+)*)?|\d+(?:_\d+)*\.|inf|infinity|nan)$/i;

/** Python's `float(text)`. */
export function parsePythonFloat(text: string): number | undefined {
  const trimmed = text.replace(PY_WHITESPACE, "");
  if (!PY_FLOAT.test(trimmed)) return undefined;
  const lower = trimmed.toLowerCase().replace(/^[+]/, "");
  if (lower.endsWith("nan")) return Number.NaN;
  if (lower.endsWith("inf") || lower.endsWith("infinity")) {
    return lower.startsWith("-") ? -Infinity : Infinity;
  }
  return Number.parseFloat(trimmed.replaceAll("_", ""));
}

/** An integer field (Python `int` rules), optionally with a minimum. */
export function readInteger(
  parent: XmlNode | undefined,
  name: string,
  ctx: ReadContext,
  options: { min?: number; message?: string } = {},
): number | undefined {
  const node = firstChild(parent, name);
  const text = node?.text;
  if (text === undefined) return undefined;
  const value = parsePythonInt(text);
  if (value === undefined) {
    addIssue(ctx, node, `must be an integer, got ${quote(text)}`);
    return undefined;
  }
  if (options.min !== undefined && value < options.min) {
    addIssue(
      ctx,
      node,
      options.message ?? `must be an integer >= ${options.min}, got ${quote(text)}`,
    );
    return undefined;
  }
  return value;
}

/** A Cedar boolean: exactly `Y`/`y` (true) or `N`/`n` (false). */
export function readBoolean(
  parent: XmlNode | undefined,
  name: string,
  ctx: ReadContext,
): boolean | undefined {
  const node = firstChild(parent, name);
  const text = node?.text;
  if (text === undefined) return undefined;
  if (text === "Y" || text === "y") return true;
  if (text === "N" || text === "n") return false;
  addIssue(ctx, node, `must be one of Y, y, N, n, got ${quote(text)}`);
  return undefined;
}

/** One of a fixed set of values, compared exactly (case-sensitive, not trimmed). */
export function readEnum<T extends string>(
  parent: XmlNode | undefined,
  name: string,
  values: readonly T[],
  ctx: ReadContext,
): T | undefined {
  const node = firstChild(parent, name);
  const text = node?.text;
  if (text === undefined) return undefined;
  if ((values as readonly string[]).includes(text)) return text as T;
  addIssue(ctx, node, `must be one of ${values.join(", ")}, got ${quote(text)}`);
  return undefined;
}

/**
 * Cedar's comma-separated list: split on `,`, items trimmed, empty items dropped. An element
 * holding only commas and spaces gives an empty list, which is not the same as absent.
 */
export function parseCommaSeparated(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** A comma-separated list of action names (`^[a-z0-9]*$`, non-empty each). */
export function readActionList(
  parent: XmlNode | undefined,
  name: string,
  ctx: ReadContext,
): string[] | undefined {
  const node = firstChild(parent, name);
  const text = node?.text;
  if (text === undefined) return undefined;
  const items = parseCommaSeparated(text);
  const bad = items.filter((item) => !ACTION_NAME.test(item));
  if (bad.length > 0) {
    addIssue(
      ctx,
      node,
      `action names must be lower-case letters and digits only, got ${bad.map(quote).join(", ")}`,
    );
    return undefined;
  }
  return items;
}

/** Syntax of action names (built-in, extension, hook and managed-action names). */
export const ACTION_NAME = /^[a-z0-9]+$/;

/**
 * Every `name` child that has a text value, verbatim; absent (not empty) when none has one,
 * since Cedar treats an empty list as absent.
 */
export function readStringList(parent: XmlNode | undefined, name: string): string[] | undefined {
  const values = childrenNamed(parent, name)
    .map((node) => node.text)
    .filter((text): text is string => text !== undefined);
  return values.length === 0 ? undefined : values;
}

/** Like {@link readStringList} for absolute paths: each entry is checked. */
export function readAbsolutePathList(
  parent: XmlNode | undefined,
  name: string,
  ctx: ReadContext,
): string[] | undefined {
  const values: string[] = [];
  for (const node of childrenNamed(parent, name)) {
    if (node.text === undefined) continue;
    if (!node.text.startsWith("/"))
      addIssue(ctx, node, `must be an absolute path, got ${quote(node.text)}`);
    else values.push(node.text);
  }
  return values.length === 0 ? undefined : values;
}

/** A byte quantity as Cedar writes it: a number, then optionally `KB`, `MB` or `GB`. */
export interface ByteQuantity {
  /** The number as written (trimmed). */
  readonly quantity: string;
  readonly unit: "bytes" | "KB" | "MB" | "GB";
  /** The size in bytes (binary units: 1 KB = 1024 bytes). */
  readonly bytes: number;
}

const UNIT_BYTES = { bytes: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 } as const;

/** Parse Cedar's byte quantity text; `undefined` when it is not one. */
export function parseByteQuantity(text: string): ByteQuantity | undefined {
  let rest = text.trim();
  let unit: ByteQuantity["unit"] = "bytes";
  for (const candidate of ["KB", "MB", "GB"] as const) {
    if (rest.endsWith(candidate)) {
      unit = candidate;
      rest = rest.slice(0, -candidate.length).trim();
      break;
    }
  }
  const number = parsePythonFloat(rest);
  if (number === undefined || Number.isNaN(number) || number < 0) return undefined;
  return { quantity: rest, unit, bytes: number * UNIT_BYTES[unit] };
}

/** Render a byte quantity back into Cedar's text form. */
export function formatByteQuantity(value: ByteQuantity): string {
  return value.unit === "bytes" ? value.quantity : `${value.quantity} ${value.unit}`;
}

/** A byte quantity field. */
export function readByteQuantity(
  parent: XmlNode | undefined,
  name: string,
  ctx: ReadContext,
): ByteQuantity | undefined {
  const node = firstChild(parent, name);
  const text = node?.text;
  if (text === undefined) return undefined;
  const value = parseByteQuantity(text);
  if (value === undefined) {
    addIssue(
      ctx,
      node,
      `must be a non-negative number optionally followed by KB, MB or GB (e.g. "1.5 GB"), got ${quote(text)}`,
    );
  }
  return value;
}
