/**
 * The `<subversion>` section: the repositories the subversion extension dumps, single
 * (`<repository>`) or every immediate subdirectory of a folder (`<repository_dir>`), with
 * section-wide default modes that each item may override (cedar-extensions.md §1.4).
 */
import {
  exclusionsElement,
  itemElements,
  modeElements,
  readExclusions,
  readItemFields,
  readSectionModes,
  reportMissingSection,
  resolveItemModes,
  type CompressMode,
} from "../../config/sections/extension-fields.js";
import type { SectionReader } from "../../config/section-reader.js";
import type { CollectMode } from "../../config/types.js";
import { addIssue, quote, readString, type ReadContext } from "../../config/xml/read-fields.js";
import { element, textElement, type XmlElement } from "../../config/xml/write-xml.js";
import { childrenNamed, type XmlNode } from "../../config/xml/xml-node.js";

/** Compression of a dump file: `none`, `gzip` (`.gz` suffix) or `bzip2` (`.bz2` suffix). */
export type SubversionCompressMode = CompressMode;

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
  return resolveItemModes(
    section,
    item,
    (missing) =>
      `subversion: repository ${quote(item.absolutePath ?? "")} has no ${missing}: set it on the repository or in <subversion>`,
  );
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
      reportMissingSection(ctx, SECTION);
      return undefined;
    }
    const modes = readSectionModes(node, ctx);
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
      ...modes,
      ...(repositories.length === 0 ? {} : { repositories }),
      ...(repositoryDirs.length === 0 ? {} : { repositoryDirs }),
    };
  },
  write(value): XmlElement {
    return element(SECTION, [
      ...modeElements(value),
      ...(value.repositories ?? []).map((item) => element("repository", writeItem(item))),
      ...(value.repositoryDirs ?? []).map((item) =>
        element("repository_dir", [...writeItem(item), exclusionsElement(item)]),
      ),
    ]);
  },
};

/** The fields a repository and a repository dir share (a `<type>` besides the common ones). */
function readItem(
  section: XmlNode,
  item: XmlNode,
  what: "repository" | "repository directory",
  ctx: ReadContext,
): SubversionRepository {
  const type = readString(item, "type");
  return { ...(type === undefined ? {} : { type }), ...readItemFields(section, item, what, ctx) };
}

function writeItem(item: SubversionRepository): (XmlElement | undefined)[] {
  return [textElement("type", item.type), ...itemElements(item)];
}
