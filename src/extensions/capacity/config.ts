/**
 * The `<capacity>` section: when the capacity extension warns that the media is filling
 * up, either by percentage used or by bytes left (cedar-extensions.md §1.8).
 */
import {
  byteQuantityElement,
  isWritten,
  reportMissingSection,
} from "../../config/sections/extension-fields.js";
import type { SectionReader } from "../../config/section-reader.js";
import {
  addIssue,
  parsePythonFloat,
  quote,
  readByteQuantity,
  type ByteQuantity,
  type ReadContext,
} from "../../config/xml/read-fields.js";
import { element, textElement, type XmlElement } from "../../config/xml/write-xml.js";
import { firstChild, type XmlNode } from "../../config/xml/xml-node.js";

/** A percentage as Cedar keeps it: the text as written, and its value. */
export interface PercentageQuantity {
  /** The text as written (verbatim, so writing it back loses nothing). */
  readonly quantity: string;
  /** Its value, 0.0 to 100.0. */
  readonly percentage: number;
}

/** The `<capacity>` section as written; exactly one of the two fields must be set. */
export interface CapacityConfig {
  /** `<max_percentage>`: warn when more than this percentage of the media is used. */
  readonly maxPercentage?: PercentageQuantity;
  /** `<min_bytes>`: warn when fewer than this many bytes are left on the media. */
  readonly minBytes?: ByteQuantity;
}

/** Parse a percentage (Python `float` syntax, 0.0 to 100.0); `undefined` when it is not one. */
export function parsePercentage(text: string): PercentageQuantity | undefined {
  const percentage = parsePythonFloat(text);
  if (percentage === undefined || Number.isNaN(percentage)) return undefined;
  if (percentage < 0 || percentage > 100) return undefined;
  return { quantity: text, percentage };
}

const SECTION = "capacity";

/** Reads and writes `<capacity>` with the checks of Cedar's capacity `LocalConfig(validate=True)`. */
export const capacitySectionReader: SectionReader<CapacityConfig> = {
  section: SECTION,
  read(node, ctx) {
    if (node === undefined) {
      reportMissingSection(ctx, SECTION);
      return undefined;
    }
    const maxPercentage = readPercentage(node, "max_percentage", ctx);
    const minBytes = readByteQuantity(node, "min_bytes", ctx);
    const hasPercentage = isWritten(node, "max_percentage");
    const hasBytes = isWritten(node, "min_bytes");
    if (!hasPercentage && !hasBytes) {
      addIssue(
        ctx,
        node,
        "<max_percentage> or <min_bytes> is required: set one of them (e.g. <max_percentage>95.5</max_percentage> or <min_bytes>16 MB</min_bytes>)",
      );
    } else if (hasPercentage && hasBytes) {
      addIssue(
        ctx,
        firstChild(node, "min_bytes"),
        "<max_percentage> and <min_bytes> are both set: keep only one of them",
      );
    }
    return {
      ...(maxPercentage === undefined ? {} : { maxPercentage }),
      ...(minBytes === undefined ? {} : { minBytes }),
    };
  },
  write(value): XmlElement {
    return element(SECTION, [
      textElement("max_percentage", value.maxPercentage?.quantity),
      byteQuantityElement("min_bytes", value.minBytes),
    ]);
  },
};

function readPercentage(
  parent: XmlNode,
  name: string,
  ctx: ReadContext,
): PercentageQuantity | undefined {
  const node = firstChild(parent, name);
  if (node?.text === undefined) return undefined;
  const value = parsePercentage(node.text);
  if (value === undefined) {
    addIssue(ctx, node, `must be a number from 0.0 to 100.0, got ${quote(node.text)}`);
  }
  return value;
}
