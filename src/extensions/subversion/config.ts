/**
 * The `<subversion>` section: the repositories the subversion extension dumps, single
 * (`<repository>`) or every immediate subdirectory of a folder (`<repository_dir>`), with
 * section-wide default modes that each item may override (cedar-extensions.md §1.4).
 */
import type { SectionReader } from "../../config/section-reader.js";
import type { CollectMode } from "../../config/types.js";
import {
  addIssue,
  childPath,
  quote,
  readAbsolutePath,
  readEnum,
  readString,
  readStringList,
  type ReadContext,
} from "../../config/xml/read-fields.js";
import { element, textElement, type XmlElement } from "../../config/xml/write-xml.js";
import { childrenNamed, firstChild, type XmlNode } from "../../config/xml/xml-node.js";
import { compilePythonPattern } from "../../domain/python-regex.js";
import { ConfigError } from "../../errors/cback-error.js";

const COLLECT_MODES: readonly CollectMode[] = ["daily", "weekly", "incr"];
const COMPRESS_MODES = ["none", "gzip", "bzip2"] as const;

/** Compression of a dump file: `none`, `gzip` (`.gz` suffix) or `bzip2` (`.bz2` suffix). */
export type SubversionCompressMode = (typeof COMPRESS_MODES)[number];

/** `<repository>`: one repository to dump. Absent elements are `undefined`. */
export interface SubversionRepository {
  /** `<type>`: free text (BDB, FSFS), kept for reference only. */
  readonly type?: string;
  /** `<abs_path>`: required, absolute path of the repository. */
  readonly absolutePath?: string;
  /** `<collect_mode>`: overrides the section's collect mode. */
  readonly collectMode?: CollectMode;
  /** `<compress_mode>`: overrides the section's compress mode. */
  readonly compressMode?: SubversionCompressMode;
}

/** `<repository_dir>`: a folder whose immediate subdirectories are each a repository. */
export interface SubversionRepositoryDir extends SubversionRepository {
  /** `<exclude><rel_path>`: subdirectories to skip, relative to `absolutePath`. */
  readonly relativeExcludePaths?: readonly string[];
  /** `<exclude><pattern>`: Python regexes matched (anchored) against a subdirectory's absolute path. */
  readonly excludePatterns?: readonly string[];
}

/** The `<subversion>` section as written; an absent element is `undefined`. */
export interface SubversionConfig {
  /** `<collect_mode>`: default for items that set none. */
  readonly collectMode?: CollectMode;
  /** `<compress_mode>`: default for items that set none. */
  readonly compressMode?: SubversionCompressMode;
  /** `<repository>` elements, in document order. */
  readonly repositories?: readonly SubversionRepository[];
  /** `<repository_dir>` elements, in document order. */
  readonly repositoryDirs?: readonly SubversionRepositoryDir[];
}

/** The modes an item is backed up with, after falling back to the section defaults. */
export interface SubversionModes {
  readonly collectMode: CollectMode;
  readonly compressMode: SubversionCompressMode;
}

/**
 * The effective collect and compress mode of a repository (or of a repository dir and the
 * repositories found in it): the item's own value, else the section's.
 * @throws ConfigError when neither sets one, which a section read without issues excludes.
 */
export function resolveSubversionModes(
  section: SubversionConfig,
  item: SubversionRepository,
): SubversionModes {
  const collectMode = item.collectMode ?? section.collectMode;
  const compressMode = item.compressMode ?? section.compressMode;
  if (collectMode === undefined || compressMode === undefined) {
    const missing = collectMode === undefined ? "<collect_mode>" : "<compress_mode>";
    throw new ConfigError(
      `subversion: repository ${quote(item.absolutePath ?? "")} has no ${missing}: set it on the repository or in <subversion>`,
    );
  }
  return { collectMode, compressMode };
}

const SECTION = "subversion";

/**
 * Reads and writes `<subversion>` with the checks of Cedar's subversion
 * `LocalConfig(validate=True)`.
 */
export const subversionSectionReader: SectionReader<SubversionConfig> = {
  section: SECTION,
  read(node, ctx) {
    if (node === undefined) {
      addIssue(
        ctx,
        undefined,
        "the <subversion> section is required to run the subversion extension; add one below <cb_config>",
        { path: SECTION },
      );
      return undefined;
    }
    const collectMode = readEnum(node, "collect_mode", COLLECT_MODES, ctx);
    const compressMode = readEnum(node, "compress_mode", COMPRESS_MODES, ctx);
    const repositoryNodes = childrenNamed(node, "repository");
    const dirNodes = childrenNamed(node, "repository_dir");
    const repositories = repositoryNodes.map((item) => readItem(node, item, "repository", ctx));
    const repositoryDirs = dirNodes.map((item) => ({
      ...readItem(node, item, "repository directory", ctx),
      ...readExclusions(item, ctx),
    }));
    if (repositoryNodes.length === 0 && dirNodes.length === 0) {
      addIssue(
        ctx,
        node,
        "no repository is configured: add at least one <repository> or <repository_dir> with an <abs_path>",
      );
    }
    return {
      ...(collectMode === undefined ? {} : { collectMode }),
      ...(compressMode === undefined ? {} : { compressMode }),
      ...(repositories.length === 0 ? {} : { repositories }),
      ...(repositoryDirs.length === 0 ? {} : { repositoryDirs }),
    };
  },
  write(value): XmlElement {
    return element(SECTION, [
      textElement("collect_mode", value.collectMode),
      textElement("compress_mode", value.compressMode),
      ...(value.repositories ?? []).map((item) => element("repository", writeItem(item))),
      ...(value.repositoryDirs ?? []).map((item) =>
        element("repository_dir", [...writeItem(item), writeExclusions(item)]),
      ),
    ]);
  },
};

function isWritten(parent: XmlNode, name: string): boolean {
  return firstChild(parent, name)?.text !== undefined;
}

/** The fields a repository and a repository dir share, and their checks. */
function readItem(
  section: XmlNode,
  item: XmlNode,
  what: "repository" | "repository directory",
  ctx: ReadContext,
): SubversionRepository {
  const type = readString(item, "type");
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
      "no collect mode: set <collect_mode> (daily, weekly or incr) here or in <subversion>",
    );
  }
  if (!isWritten(item, "compress_mode") && !isWritten(section, "compress_mode")) {
    addRequired(
      ctx,
      item,
      "compress_mode",
      "no compress mode: set <compress_mode> (none, gzip or bzip2) here or in <subversion>",
    );
  }
  return {
    ...(type === undefined ? {} : { type }),
    ...(absolutePath === undefined ? {} : { absolutePath }),
    ...(collectMode === undefined ? {} : { collectMode }),
    ...(compressMode === undefined ? {} : { compressMode }),
  };
}

function readExclusions(
  item: XmlNode,
  ctx: ReadContext,
): Pick<SubversionRepositoryDir, "relativeExcludePaths" | "excludePatterns"> {
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

function writeItem(item: SubversionRepository): (XmlElement | undefined)[] {
  return [
    textElement("type", item.type),
    textElement("abs_path", item.absolutePath),
    textElement("collect_mode", item.collectMode),
    textElement("compress_mode", item.compressMode),
  ];
}

function writeExclusions(item: SubversionRepositoryDir): XmlElement | undefined {
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
