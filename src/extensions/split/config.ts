/**
 * The `<split>` section: which staged files the split extension cuts into chunks, and how
 * big the chunks are (cedar-extensions.md §1.7).
 */
import {
  addRequired,
  byteQuantityElement,
  isWritten,
  reportMissingSection,
} from "../../config/sections/extension-fields.js";
import type { SectionReader } from "../../config/section-reader.js";
import { readByteQuantity, type ByteQuantity } from "../../config/xml/read-fields.js";
import { element, type XmlElement } from "../../config/xml/write-xml.js";

/** The `<split>` section as written; an absent element is `undefined`. */
export interface SplitConfig {
  /** `<size_limit>`: required; files strictly larger than this are split. */
  readonly sizeLimit?: ByteQuantity;
  /** `<split_size>`: required; size of each chunk (`split --bytes`). */
  readonly splitSize?: ByteQuantity;
}

const SECTION = "split";

/** Reads and writes `<split>` with the checks of Cedar's split `LocalConfig(validate=True)`. */
export const splitSectionReader: SectionReader<SplitConfig> = {
  section: SECTION,
  read(node, ctx) {
    if (node === undefined) {
      reportMissingSection(ctx, SECTION);
      return undefined;
    }
    const sizeLimit = readByteQuantity(node, "size_limit", ctx);
    const splitSize = readByteQuantity(node, "split_size", ctx);
    if (!isWritten(node, "size_limit")) {
      addRequired(
        ctx,
        node,
        "size_limit",
        '<size_limit> is required: give the size above which files are split (e.g. "250 MB")',
      );
    }
    if (!isWritten(node, "split_size")) {
      addRequired(
        ctx,
        node,
        "split_size",
        '<split_size> is required: give the size of each chunk (e.g. "100 MB")',
      );
    }
    return {
      ...(sizeLimit === undefined ? {} : { sizeLimit }),
      ...(splitSize === undefined ? {} : { splitSize }),
    };
  },
  write(value): XmlElement {
    return element(SECTION, [
      byteQuantityElement("size_limit", value.sizeLimit),
      byteQuantityElement("split_size", value.splitSize),
    ]);
  },
};
