/**
 * The `<mbox>` section: the mbox files (`<file>`) and folders of mbox files (`<dir>`) the
 * mbox extension backs up through grepmail, with section-wide default modes that each item
 * may override (cedar-extensions.md §1.5).
 */
import type { SectionReader } from "../../config/section-reader.js";
import type { CollectMode } from "../../config/types.js";
import {
  addIssue,
  childPath,
  quote,
  readAbsolutePath,
  readEnum,
  readStringList,
  type ReadContext,
} from "../../config/xml/read-fields.js";
import { element, textElement, type XmlElement } from "../../config/xml/write-xml.js";
import { childrenNamed, firstChild, type XmlNode } from "../../config/xml/xml-node.js";
import { compilePythonPattern } from "../../domain/python-regex.js";
import { ConfigError } from "../../errors/cback-error.js";

const COLLECT_MODES: readonly CollectMode[] = ["daily", "weekly", "incr"];
const COMPRESS_MODES = ["none", "gzip", "bzip2"] as const;

/** Compression of a backup file: `none`, `gzip` (`.gz` suffix) or `bzip2` (`.bz2` suffix). */
export type MboxCompressMode = (typeof COMPRESS_MODES)[number];

/** `<file>`: one mbox file. Absent elements are `undefined`. */
export interface MboxFile {
  /** `<abs_path>`: required, absolute path of the mbox file. */
  readonly absolutePath?: string;
  /** `<collect_mode>`: overrides the section's collect mode. */
  readonly collectMode?: CollectMode;
  /** `<compress_mode>`: overrides the section's compress mode. */
  readonly compressMode?: MboxCompressMode;
}

/** `<dir>`: a folder whose files (not recursively) are each an mbox file. */
export interface MboxDir extends MboxFile {
  /** `<exclude><rel_path>`: files to skip, relative to `absolutePath`. */
  readonly relativeExcludePaths?: readonly string[];
  /** `<exclude><pattern>`: Python regexes matched (anchored) against a file's absolute path. */
  readonly excludePatterns?: readonly string[];
}

/** The `<mbox>` section as written; an absent element is `undefined`. */
export interface MboxConfig {
  /** `<collect_mode>`: default for items that set none. */
  readonly collectMode?: CollectMode;
  /** `<compress_mode>`: default for items that set none. */
  readonly compressMode?: MboxCompressMode;
  /** `<file>` elements, in document order. */
  readonly files?: readonly MboxFile[];
  /** `<dir>` elements, in document order. */
  readonly dirs?: readonly MboxDir[];
}

/** The modes an item is backed up with, after falling back to the section defaults. */
export interface MboxModes {
  readonly collectMode: CollectMode;
  readonly compressMode: MboxCompressMode;
}

/**
 * The effective collect and compress mode of an mbox file or dir: the item's own value,
 * else the section's.
 * @throws ConfigError when neither sets one, which a section read without issues excludes.
 */
export function resolveMboxModes(section: MboxConfig, item: MboxFile): MboxModes {
  const collectMode = item.collectMode ?? section.collectMode;
  const compressMode = item.compressMode ?? section.compressMode;
  if (collectMode === undefined || compressMode === undefined) {
    const missing = collectMode === undefined ? "<collect_mode>" : "<compress_mode>";
    throw new ConfigError(
      `mbox: ${quote(item.absolutePath ?? "")} has no ${missing}: set it on the item or in <mbox>`,
    );
  }
  return { collectMode, compressMode };
}

const SECTION = "mbox";

/** Reads and writes `<mbox>` with the checks of Cedar's mbox `LocalConfig(validate=True)`. */
export const mboxSectionReader: SectionReader<MboxConfig> = {
  section: SECTION,
  read(node, ctx) {
    if (node === undefined) {
      addIssue(
        ctx,
        undefined,
        "the <mbox> section is required to run the mbox extension; add one below <cb_config>",
        { path: SECTION },
      );
      return undefined;
    }
    const collectMode = readEnum(node, "collect_mode", COLLECT_MODES, ctx);
    const compressMode = readEnum(node, "compress_mode", COMPRESS_MODES, ctx);
    const fileNodes = childrenNamed(node, "file");
    const dirNodes = childrenNamed(node, "dir");
    const files = fileNodes.map((item) => readItem(node, item, "mbox file", ctx));
    const dirs = dirNodes.map((item) => ({
      ...readItem(node, item, "folder of mbox files", ctx),
      ...readExclusions(item, ctx),
    }));
    if (fileNodes.length === 0 && dirNodes.length === 0) {
      addIssue(
        ctx,
        node,
        "nothing to back up: add at least one <file> or <dir> with an <abs_path>",
      );
    }
    return {
      ...(collectMode === undefined ? {} : { collectMode }),
      ...(compressMode === undefined ? {} : { compressMode }),
      ...(files.length === 0 ? {} : { files }),
      ...(dirs.length === 0 ? {} : { dirs }),
    };
  },
  write(value): XmlElement {
    return element(SECTION, [
      textElement("collect_mode", value.collectMode),
      textElement("compress_mode", value.compressMode),
      ...(value.files ?? []).map((item) => element("file", writeItem(item))),
      ...(value.dirs ?? []).map((item) =>
        element("dir", [...writeItem(item), writeExclusions(item)]),
      ),
    ]);
  },
};

function isWritten(parent: XmlNode, name: string): boolean {
  return firstChild(parent, name)?.text !== undefined;
}

/** The fields a file and a dir share, and their checks. */
function readItem(
  section: XmlNode,
  item: XmlNode,
  what: "mbox file" | "folder of mbox files",
  ctx: ReadContext,
): MboxFile {
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
      "no collect mode: set <collect_mode> (daily, weekly or incr) here or in <mbox>",
    );
  }
  if (!isWritten(item, "compress_mode") && !isWritten(section, "compress_mode")) {
    addRequired(
      ctx,
      item,
      "compress_mode",
      "no compress mode: set <compress_mode> (none, gzip or bzip2) here or in <mbox>",
    );
  }
  return {
    ...(absolutePath === undefined ? {} : { absolutePath }),
    ...(collectMode === undefined ? {} : { collectMode }),
    ...(compressMode === undefined ? {} : { compressMode }),
  };
}

function readExclusions(
  item: XmlNode,
  ctx: ReadContext,
): Pick<MboxDir, "relativeExcludePaths" | "excludePatterns"> {
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
  return {
    ...(relativeExcludePaths === undefined ? {} : { relativeExcludePaths }),
    ...(excludePatterns.length === 0 ? {} : { excludePatterns }),
  };
}

function writeItem(item: MboxFile): (XmlElement | undefined)[] {
  return [
    textElement("abs_path", item.absolutePath),
    textElement("collect_mode", item.collectMode),
    textElement("compress_mode", item.compressMode),
  ];
}

function writeExclusions(item: MboxDir): XmlElement | undefined {
  const relPaths = item.relativeExcludePaths ?? [];
  const patterns = item.excludePatterns ?? [];
  if (relPaths.length === 0 && patterns.length === 0) return undefined;
  return element("exclude", [
    ...relPaths.map((relPath) => textElement("rel_path", relPath)),
    ...patterns.map((pattern) => textElement("pattern", pattern)),
  ]);
}

/** Record a missing required element at the element itself when it is there but empty. */
function addRequired(ctx: ReadContext, parent: XmlNode, name: string, message: string): void {
  addIssue(ctx, firstChild(parent, name) ?? parent, message, { path: childPath(parent, name) });
}
