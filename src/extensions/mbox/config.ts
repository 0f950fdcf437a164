/**
 * The `<mbox>` section: the mbox files (`<file>`) and folders of mbox files (`<dir>`) the
 * mbox extension backs up through grepmail, with section-wide default modes that each item
 * may override (cedar-extensions.md §1.5).
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
import { addIssue, quote } from "../../config/xml/read-fields.js";
import { element, type XmlElement } from "../../config/xml/write-xml.js";
import { childrenNamed } from "../../config/xml/xml-node.js";

/** Compression of a backup file: `none`, `gzip` (`.gz` suffix) or `bzip2` (`.bz2` suffix). */
export type MboxCompressMode = CompressMode;

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
  return resolveItemModes(
    section,
    item,
    (missing) =>
      `mbox: ${quote(item.absolutePath ?? "")} has no ${missing}: set it on the item or in <mbox>`,
  );
}

const SECTION = "mbox";

/** Reads and writes `<mbox>` with the checks of Cedar's mbox `LocalConfig(validate=True)`. */
export const mboxSectionReader: SectionReader<MboxConfig> = {
  section: SECTION,
  read(node, ctx) {
    if (node === undefined) {
      reportMissingSection(ctx, SECTION);
      return undefined;
    }
    const modes = readSectionModes(node, ctx);
    const fileNodes = childrenNamed(node, "file");
    const dirNodes = childrenNamed(node, "dir");
    const files = fileNodes.map((item) => readItemFields(node, item, "mbox file", ctx));
    const dirs = dirNodes.map((item) => ({
      ...readItemFields(node, item, "folder of mbox files", ctx),
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
      ...modes,
      ...(files.length === 0 ? {} : { files }),
      ...(dirs.length === 0 ? {} : { dirs }),
    };
  },
  write(value): XmlElement {
    return element(SECTION, [
      ...modeElements(value),
      ...(value.files ?? []).map((item) => element("file", itemElements(item))),
      ...(value.dirs ?? []).map((item) =>
        element("dir", [...itemElements(item), exclusionsElement(item)]),
      ),
    ]);
  },
};
