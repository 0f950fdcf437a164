/**
 * The `<split>` section: which staged files the split extension cuts into chunks, and how
 * big the chunks are (cedar-extensions.md §1.7).
 */
import type { SectionReader } from "../../config/section-reader.js";
import {
  addIssue,
  childPath,
  formatByteQuantity,
  readByteQuantity,
  type ByteQuantity,
  type ReadContext,
} from "../../config/xml/read-fields.js";
import { element, textElement, type XmlElement } from "../../config/xml/write-xml.js";
import { firstChild, type XmlNode } from "../../config/xml/xml-node.js";

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
      addIssue(
        ctx,
        undefined,
        "the <split> section is required to run the split extension; add one below <cb_config>",
        { path: SECTION },
      );
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
      textElement("size_limit", optionalQuantity(value.sizeLimit)),
      textElement("split_size", optionalQuantity(value.splitSize)),
    ]);
  },
};

function isWritten(parent: XmlNode, name: string): boolean {
  return firstChild(parent, name)?.text !== undefined;
}

function optionalQuantity(value: ByteQuantity | undefined): string | undefined {
  return value === undefined ? undefined : formatByteQuantity(value);
}

/** Record a missing required element at the element itself when it is there but empty. */
function addRequired(ctx: ReadContext, parent: XmlNode, name: string, message: string): void {
  addIssue(ctx, firstChild(parent, name) ?? parent, message, { path: childPath(parent, name) });
}
