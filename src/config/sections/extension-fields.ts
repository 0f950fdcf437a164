/**
 * Fields and checks that several extension sections share: the compress modes of the files
 * they write, "this section / element is required", the database list of `<mysql>` and
 * `<postgresql>`, and the items of `<subversion>` and `<mbox>` (an absolute path with
 * optional modes that fall back to the section's, plus `<exclude>` lists for folders).
 * Each extension keeps its own types and its own messages; this module only holds the rules
 * that are really the same, so that no extension has to import another.
 */
import { ConfigError } from "../../errors/cback-error.js";
import type { CollectMode } from "../types.js";
import { compilePythonPattern } from "../../domain/python-regex.js";
import {
  addIssue,
  childPath,
  formatByteQuantity,
  quote,
  readAbsolutePath,
  readBoolean,
  readEnum,
  readStringList,
  type ByteQuantity,
  type ReadContext,
} from "../xml/read-fields.js";
import { element, textElement, type XmlElement } from "../xml/write-xml.js";
import { childrenNamed, firstChild, type XmlNode } from "../xml/xml-node.js";
import { COLLECT_MODES, definedFields, nonEmpty } from "./shared-fields.js";

/** Valid `compress_mode` values of the extensions that write dump or backup files. */
export const COMPRESS_MODES = ["none", "gzip", "bzip2"] as const;

/** Compression of a written file: `none`, `gzip` (`.gz` suffix) or `bzip2` (`.bz2` suffix). */
export type CompressMode = (typeof COMPRESS_MODES)[number];

/**
 * Record that the `<section>` an extension needs is absent (Cedar's extensions refuse to run
 * without it).
 */
export function reportMissingSection(ctx: ReadContext, section: string): void {
  addIssue(
    ctx,
    undefined,
    `the <${section}> section is required to run the ${section} extension; add one below <cb_config>`,
    { path: section },
  );
}

/** Whether the first `name` child has a value (an empty element counts as absent, as in Cedar). */
export function isWritten(parent: XmlNode, name: string): boolean {
  return firstChild(parent, name)?.text !== undefined;
}

/** Record a missing required element at the element itself when it is there but empty. */
export function addRequired(
  ctx: ReadContext,
  parent: XmlNode,
  name: string,
  message: string,
): void {
  addIssue(ctx, firstChild(parent, name) ?? parent, message, { path: childPath(parent, name) });
}

/** A byte quantity element in Cedar's text form, or nothing when the value is unset. */
export function byteQuantityElement(
  name: string,
  value: ByteQuantity | undefined,
): XmlElement | undefined {
  return textElement(name, value === undefined ? undefined : formatByteQuantity(value));
}

/** What the database dumps (`<mysql>`, `<postgresql>`) share, as written. */
export interface DatabaseDumpFields {
  /** `<compress_mode>`: required. */
  readonly compressMode?: CompressMode;
  /** `<all>`: `Y` dumps every database; absent means `N`. */
  readonly all?: boolean;
  /** `<database>` (repeatable): databases dumped one file each; forbidden when `all` is set. */
  readonly databases?: readonly string[];
}

/**
 * Read `<compress_mode>` (required), `<all>` and the `<database>` list, with the rule that
 * `<all>Y` and a database list exclude each other and that without `<all>Y` a database is
 * needed. Every problem is recorded in `ctx`.
 */
export function readDatabaseDumpFields(section: XmlNode, ctx: ReadContext): DatabaseDumpFields {
  const compressMode = readEnum(section, "compress_mode", COMPRESS_MODES, ctx);
  const all = readBoolean(section, "all", ctx);
  const databases = readStringList(section, "database");
  if (!isWritten(section, "compress_mode")) {
    addRequired(
      ctx,
      section,
      "compress_mode",
      "<compress_mode> is required: set it to none, gzip or bzip2",
    );
  }
  checkDatabases(section, all, databases, ctx);
  return definedFields<DatabaseDumpFields>({ compressMode, all, databases });
}

/** The elements of {@link DatabaseDumpFields}, in Cedar's order. */
export function databaseDumpElements(value: DatabaseDumpFields): (XmlElement | undefined)[] {
  return [
    textElement("compress_mode", value.compressMode),
    textElement("all", value.all),
    ...(value.databases ?? []).map((database) => textElement("database", database)),
  ];
}

function checkDatabases(
  section: XmlNode,
  all: boolean | undefined,
  databases: readonly string[] | undefined,
  ctx: ReadContext,
): void {
  // An unreadable <all> was already reported; guessing its meaning would add a false issue.
  if (all === undefined && isWritten(section, "all")) return;
  if (all === true && databases !== undefined) {
    const first = childrenNamed(section, "database").find((node) => node.text !== undefined);
    addIssue(
      ctx,
      first ?? section,
      `<all> is Y, which dumps every database, but databases are listed too (${databases.map(quote).join(", ")}): remove the <database> elements or set <all> to N`,
      { path: first?.path ?? childPath(section, "database") },
    );
  } else if (all !== true && databases === undefined) {
    addRequired(
      ctx,
      section,
      "database",
      "no <database> is listed and <all> is not Y: list at least one <database> or set <all> to Y",
    );
  }
}

/** Section-wide default modes, which each item may override. */
export interface SectionModes {
  /** `<collect_mode>`: default for items that set none. */
  readonly collectMode?: CollectMode;
  /** `<compress_mode>`: default for items that set none. */
  readonly compressMode?: CompressMode;
}

/** An item backed up on its own: an absolute path, with modes that override the section's. */
export interface ItemFields extends SectionModes {
  /** `<abs_path>`: required. */
  readonly absolutePath?: string;
}

/** `<exclude>` of a folder item: what inside it is skipped. */
export interface ExcludeFields {
  /** `<exclude><rel_path>`: entries to skip, relative to the folder. */
  readonly relativeExcludePaths?: readonly string[];
  /** `<exclude><pattern>`: Python regexes matched (anchored) against an entry's absolute path. */
  readonly excludePatterns?: readonly string[];
}

/** The modes an item is backed up with, after falling back to the section defaults. */
export interface ItemModes {
  readonly collectMode: CollectMode;
  readonly compressMode: CompressMode;
}

/** Read the section-wide `<collect_mode>` and `<compress_mode>`. */
export function readSectionModes(section: XmlNode, ctx: ReadContext): SectionModes {
  return definedFields<SectionModes>({
    collectMode: readEnum(section, "collect_mode", COLLECT_MODES, ctx),
    compressMode: readEnum(section, "compress_mode", COMPRESS_MODES, ctx),
  });
}

/**
 * Read an item's `<abs_path>` (required) and modes, each of which must be set on the item or
 * on the section. `what` names the item in messages ("repository", "mbox file"); the section
 * is named by its element.
 */
export function readItemFields(
  section: XmlNode,
  item: XmlNode,
  what: string,
  ctx: ReadContext,
): ItemFields {
  const absolutePath = readAbsolutePath(item, "abs_path", ctx);
  const collectMode = readEnum(item, "collect_mode", COLLECT_MODES, ctx);
  const compressMode = readEnum(item, "compress_mode", COMPRESS_MODES, ctx);
  if (!isWritten(item, "abs_path")) {
    addRequired(
      ctx,
      item,
      "abs_path",
      `<abs_path> is required: give the absolute path of the ${what}`,
    );
  }
  if (!isWritten(item, "collect_mode") && !isWritten(section, "collect_mode")) {
    addRequired(
      ctx,
      item,
      "collect_mode",
      `no collect mode: set <collect_mode> (daily, weekly or incr) here or in <${section.name}>`,
    );
  }
  if (!isWritten(item, "compress_mode") && !isWritten(section, "compress_mode")) {
    addRequired(
      ctx,
      item,
      "compress_mode",
      `no compress mode: set <compress_mode> (none, gzip or bzip2) here or in <${section.name}>`,
    );
  }
  return definedFields<ItemFields>({ absolutePath, collectMode, compressMode });
}

/** The elements of {@link SectionModes}, in Cedar's order. */
export function modeElements(value: SectionModes): (XmlElement | undefined)[] {
  return [
    textElement("collect_mode", value.collectMode),
    textElement("compress_mode", value.compressMode),
  ];
}

/** The elements of {@link ItemFields}, in Cedar's order. */
export function itemElements(item: ItemFields): (XmlElement | undefined)[] {
  return [textElement("abs_path", item.absolutePath), ...modeElements(item)];
}

/**
 * Read an item's `<exclude>`: `<rel_path>` values verbatim, and `<pattern>` values that are
 * valid Python regular expressions (an invalid one is recorded in `ctx` and dropped).
 */
export function readExclusions(item: XmlNode, ctx: ReadContext): ExcludeFields {
  const exclude = firstChild(item, "exclude");
  const relativeExcludePaths = readStringList(exclude, "rel_path");
  const excludePatterns: string[] = [];
  for (const pattern of childrenNamed(exclude, "pattern")) {
    if (pattern.text === undefined) continue;
    const compiled = compilePythonPattern(pattern.text);
    if (compiled.ok) excludePatterns.push(pattern.text);
    else {
      addIssue(
        ctx,
        pattern,
        `must be a valid Python regular expression, got ${quote(pattern.text)} (${compiled.reason})`,
      );
    }
  }
  return definedFields<ExcludeFields>({
    relativeExcludePaths,
    excludePatterns: nonEmpty(excludePatterns),
  });
}

/** The `<exclude>` element of an item, or nothing when it excludes nothing. */
export function exclusionsElement(item: ExcludeFields): XmlElement | undefined {
  const relPaths = item.relativeExcludePaths ?? [];
  const patterns = item.excludePatterns ?? [];
  if (relPaths.length === 0 && patterns.length === 0) return undefined;
  return element("exclude", [
    ...relPaths.map((relPath) => textElement("rel_path", relPath)),
    ...patterns.map((pattern) => textElement("pattern", pattern)),
  ]);
}

/**
 * The effective modes of an item: its own, else the section's.
 * @param describeMissing the message when neither sets one, given the missing element
 *   (`<collect_mode>` or `<compress_mode>`).
 * @throws ConfigError when neither sets one, which a section read without issues excludes.
 */
export function resolveItemModes(
  section: SectionModes,
  item: ItemFields,
  describeMissing: (missing: "<collect_mode>" | "<compress_mode>") => string,
): ItemModes {
  const collectMode = item.collectMode ?? section.collectMode;
  const compressMode = item.compressMode ?? section.compressMode;
  if (collectMode === undefined) throw new ConfigError(describeMissing("<collect_mode>"));
  if (compressMode === undefined) throw new ConfigError(describeMissing("<compress_mode>"));
  return { collectMode, compressMode };
}
