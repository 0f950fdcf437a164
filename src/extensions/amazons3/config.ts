/**
 * The `<amazons3>` section: where the amazons3 extension uploads the day's staging
 * directory, how it optionally encrypts it first, and the size limits of an upload
 * (cedar-extensions.md §1.9).
 */
import {
  addRequired,
  byteQuantityElement,
  reportMissingSection,
} from "../../config/sections/extension-fields.js";
import type { SectionReader } from "../../config/section-reader.js";
import {
  readBoolean,
  readByteQuantity,
  readString,
  type ByteQuantity,
} from "../../config/xml/read-fields.js";
import { element, textElement, type XmlElement } from "../../config/xml/write-xml.js";

/** The `<amazons3>` section as written; an absent element is `undefined`. */
export interface AmazonS3Config {
  /** `<warn_midnite>`: warn when yesterday's or tomorrow's staging dir is uploaded; absent means `N`. */
  readonly warnMidnite?: boolean;
  /** `<s3_bucket>`: required, `bucket` or `bucket/prefix`; uploads go to `s3://<s3_bucket>/YYYY/MM/DD`. */
  readonly s3Bucket?: string;
  /** `<encrypt>`: shell command run per file, with `${input}` and `${output}` substituted. */
  readonly encryptCommand?: string;
  /** `<full_size_limit>`: largest staging dir a full backup may upload. */
  readonly fullSizeLimit?: ByteQuantity;
  /** `<incr_size_limit>`: largest staging dir an incremental backup may upload. */
  readonly incrSizeLimit?: ByteQuantity;
}

const SECTION = "amazons3";

/** Reads and writes `<amazons3>` with the checks of Cedar's amazons3 `LocalConfig(validate=True)`. */
export const amazons3SectionReader: SectionReader<AmazonS3Config> = {
  section: SECTION,
  read(node, ctx) {
    if (node === undefined) {
      reportMissingSection(ctx, SECTION);
      return undefined;
    }
    const warnMidnite = readBoolean(node, "warn_midnite", ctx);
    const s3Bucket = readString(node, "s3_bucket");
    const encryptCommand = readString(node, "encrypt");
    const fullSizeLimit = readByteQuantity(node, "full_size_limit", ctx);
    const incrSizeLimit = readByteQuantity(node, "incr_size_limit", ctx);
    if (s3Bucket === undefined) {
      addRequired(
        ctx,
        node,
        "s3_bucket",
        '<s3_bucket> is required: give the bucket to upload to, optionally with a prefix (e.g. "example.com-backup/staging")',
      );
    }
    return {
      ...(warnMidnite === undefined ? {} : { warnMidnite }),
      ...(s3Bucket === undefined ? {} : { s3Bucket }),
      ...(encryptCommand === undefined ? {} : { encryptCommand }),
      ...(fullSizeLimit === undefined ? {} : { fullSizeLimit }),
      ...(incrSizeLimit === undefined ? {} : { incrSizeLimit }),
    };
  },
  write(value): XmlElement {
    return element(SECTION, [
      textElement("warn_midnite", value.warnMidnite),
      textElement("s3_bucket", value.s3Bucket),
      textElement("encrypt", value.encryptCommand),
      byteQuantityElement("full_size_limit", value.fullSizeLimit),
      byteQuantityElement("incr_size_limit", value.incrSizeLimit),
    ]);
  },
};
