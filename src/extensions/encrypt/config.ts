/**
 * The `<encrypt>` section: how the encrypt extension encrypts the staging area before it
 * goes to disc (cedar-extensions.md §1.6). Only GnuPG is supported.
 */
import {
  addRequired,
  isWritten,
  reportMissingSection,
} from "../../config/sections/extension-fields.js";
import type { SectionReader } from "../../config/section-reader.js";
import { readEnum, readString } from "../../config/xml/read-fields.js";
import { element, textElement, type XmlElement } from "../../config/xml/write-xml.js";

const ENCRYPT_MODES = ["gpg"] as const;

/** How files are encrypted: `gpg` (public-key encryption to one recipient) is the only mode. */
export type EncryptMode = (typeof ENCRYPT_MODES)[number];

/** The `<encrypt>` section as written; an absent element is `undefined`. */
export interface EncryptConfig {
  /** `<encrypt_mode>`: required, `gpg`. */
  readonly encryptMode?: EncryptMode;
  /** `<encrypt_target>`: required, the gpg recipient (`-r`) whose public key encrypts. */
  readonly encryptTarget?: string;
}

const SECTION = "encrypt";

/** Reads and writes `<encrypt>` with the checks of Cedar's encrypt `LocalConfig(validate=True)`. */
export const encryptSectionReader: SectionReader<EncryptConfig> = {
  section: SECTION,
  read(node, ctx) {
    if (node === undefined) {
      reportMissingSection(ctx, SECTION);
      return undefined;
    }
    const encryptMode = readEnum(node, "encrypt_mode", ENCRYPT_MODES, ctx);
    const encryptTarget = readString(node, "encrypt_target");
    if (!isWritten(node, "encrypt_mode")) {
      addRequired(ctx, node, "encrypt_mode", "<encrypt_mode> is required: set it to gpg");
    }
    if (encryptTarget === undefined) {
      addRequired(
        ctx,
        node,
        "encrypt_target",
        "<encrypt_target> is required: give the gpg recipient whose public key encrypts the backup",
      );
    }
    return {
      ...(encryptMode === undefined ? {} : { encryptMode }),
      ...(encryptTarget === undefined ? {} : { encryptTarget }),
    };
  },
  write(value): XmlElement {
    return element(SECTION, [
      textElement("encrypt_mode", value.encryptMode),
      textElement("encrypt_target", value.encryptTarget),
    ]);
  },
};
