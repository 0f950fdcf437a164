/**
 * Vocabulary and small readers shared by the section files: Cedar's enumerations, the
 * "string matching a syntax" reader, and the helpers that turn read values into the
 * as-written objects of config/types.ts.
 */
import type {
  ArchiveMode,
  CollectMode,
  DayOfWeek,
  DeviceType,
  IgnoreFailures,
  MediaType,
  OrderMode,
  SourceLocation,
} from "../types.js";
import { ACTION_NAME, addIssue, quote, type ReadContext } from "../xml/read-fields.js";
import { textElement, type XmlElement } from "../xml/write-xml.js";
import { firstChild, type XmlNode } from "../xml/xml-node.js";

/** Valid `collect_mode` values. */
export const COLLECT_MODES: readonly CollectMode[] = ["daily", "weekly", "incr"];
/** Valid `archive_mode` values. */
export const ARCHIVE_MODES: readonly ArchiveMode[] = ["tar", "targz", "tarbz2"];
/** Valid peer `ignore_failures` values. */
export const IGNORE_FAILURE_MODES: readonly IgnoreFailures[] = ["none", "all", "daily", "weekly"];
/** Valid `starting_day` values (lower case only, as Cedar). */
export const DAYS_OF_WEEK: readonly DayOfWeek[] = [
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
];
/** Media a `cdwriter` can write. */
export const CD_MEDIA_TYPES: readonly MediaType[] = ["cdr-74", "cdrw-74", "cdr-80", "cdrw-80"];
/** Media a `dvdwriter` can write. */
export const DVD_MEDIA_TYPES: readonly MediaType[] = ["dvd+r", "dvd+rw"];
/** Every valid `media_type`. */
export const MEDIA_TYPES: readonly MediaType[] = [...CD_MEDIA_TYPES, ...DVD_MEDIA_TYPES];
/** Valid `device_type` values. */
export const DEVICE_TYPES: readonly DeviceType[] = ["cdwriter", "dvdwriter"];
/** Valid `<extensions><order_mode>` values. */
export const ORDER_MODES: readonly OrderMode[] = ["index", "dependency"];
/** Valid `<blank_behavior><mode>` values. */
export const BLANK_MODES: readonly ("daily" | "weekly")[] = ["daily", "weekly"];

/** Every key of `T`, each allowed to be `undefined` (so no field can be forgotten). */
export type AllFields<T> = { [K in keyof T]-?: T[K] | undefined };

/**
 * Build an as-written object from every one of its fields, dropping the unset ones: with
 * `exactOptionalPropertyTypes` an absent field and a field holding `undefined` differ.
 */
export function definedFields<T extends object>(fields: AllFields<T>): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields as Record<string, unknown>)) {
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}

/** Cedar's repeating subsections: zero occurrences read as absent, not as an empty list. */
export function nonEmpty<T>(items: readonly T[]): readonly T[] | undefined {
  return items.length === 0 ? undefined : items;
}

/**
 * A string field that must match a syntax. `expected` completes "must be ...", e.g.
 * `lower-case letters and digits only`.
 */
export function readMatchingString(
  parent: XmlNode | undefined,
  name: string,
  ctx: ReadContext,
  isValid: (value: string) => boolean,
  expected: string,
): string | undefined {
  const node = firstChild(parent, name);
  const value = node?.text;
  if (value === undefined) return undefined;
  if (isValid(value)) return value;
  addIssue(ctx, node, `must be ${expected}, got ${quote(value)}`);
  return undefined;
}

/** An action name (`^[a-z0-9]+$`): built-in, extension, hook or managed action. */
export function readActionName(
  parent: XmlNode | undefined,
  name: string,
  ctx: ReadContext,
): string | undefined {
  return readMatchingString(
    parent,
    name,
    ctx,
    (value) => ACTION_NAME.test(value),
    "an action name: lower-case letters and digits only",
  );
}

/** Where an element sits in the file, for objects that outlive the XML tree. */
export function locationOf(node: XmlNode): SourceLocation {
  return definedFields<SourceLocation>({ path: node.path, line: node.line, column: node.column });
}

/**
 * A comma-separated list element. An empty list is written as a lone comma, which reads
 * back as an empty list; Cedar writes nothing, so it would turn "empty" into "absent".
 */
export function csvElement(
  name: string,
  values: readonly string[] | undefined,
): XmlElement | undefined {
  if (values === undefined) return undefined;
  return textElement(name, values.length === 0 ? "," : values.join(","));
}

/** One text element per value (`<abs_path>` lists and the like). */
export function listElements(name: string, values: readonly string[] | undefined): XmlElement[] {
  return (values ?? []).map((value) => ({ name, text: value }));
}
