/** `<store>`: the disc writer, its media and how the store action uses them. */
import type { BlankBehavior, StoreConfig } from "../types.js";
import {
  parsePythonFloat,
  quote,
  readAbsolutePath,
  readBoolean,
  readEnum,
  readInteger,
  type ReadContext,
} from "../xml/read-fields.js";
import { element, textElement, type XmlElement } from "../xml/write-xml.js";
import { firstChild, type XmlNode } from "../xml/xml-node.js";
import {
  BLANK_MODES,
  definedFields,
  DEVICE_TYPES,
  MEDIA_TYPES,
  readMatchingString,
} from "./shared-fields.js";

/** Cedar's two accepted forms of a SCSI id: `[method:]bus,target,lun` and macOS IOKit. */
const SCSI_ID_FORMS = [
  /^\s*(?:.*:)?\s*[0-9]+\s*,\s*[0-9]+\s*,\s*[0-9]+\s*$/,
  /^\s*IO.*Services(?:\/[0-9]+)?\s*$/,
];

/**
 * Read `<store>`. `drive_speed` must be >= 1; `refresh_media_delay` and `eject_delay` must
 * be >= 0, and 0 reads as unset (Cedar's normalisation); `<blank_behavior>` has children
 * `mode` and `factor` (a float >= 0, kept as written).
 * @returns `undefined` when the section is absent.
 */
export function readStoreSection(
  node: XmlNode | undefined,
  ctx: ReadContext,
): StoreConfig | undefined {
  if (node === undefined) return undefined;
  const zeroIsUnset = (value: number | undefined) => (value === 0 ? undefined : value);
  return definedFields<StoreConfig>({
    sourceDir: readAbsolutePath(node, "source_dir", ctx),
    mediaType: readEnum(node, "media_type", MEDIA_TYPES, ctx),
    deviceType: readEnum(node, "device_type", DEVICE_TYPES, ctx),
    devicePath: readAbsolutePath(node, "target_device", ctx),
    deviceScsiId: readMatchingString(
      node,
      "target_scsi_id",
      ctx,
      (value) => SCSI_ID_FORMS.some((form) => form.test(value)),
      'a SCSI id such as "0,0,0" or "ATA:1,0,0" (or "IOCompactDiscServices" on macOS)',
    ),
    driveSpeed: readInteger(node, "drive_speed", ctx, {
      min: 1,
      message: `must be an integer >= 1 (leave it out to let the drive choose), got ${quote(
        firstChild(node, "drive_speed")?.text ?? "",
      )}`,
    }),
    checkData: readBoolean(node, "check_data", ctx),
    checkMedia: readBoolean(node, "check_media", ctx),
    warnMidnite: readBoolean(node, "warn_midnite", ctx),
    noEject: readBoolean(node, "no_eject", ctx),
    refreshMediaDelay: zeroIsUnset(readInteger(node, "refresh_media_delay", ctx, { min: 0 })),
    ejectDelay: zeroIsUnset(readInteger(node, "eject_delay", ctx, { min: 0 })),
    blankBehavior: readBlankBehavior(firstChild(node, "blank_behavior"), ctx),
  });
}

function readBlankBehavior(node: XmlNode | undefined, ctx: ReadContext): BlankBehavior | undefined {
  if (node === undefined) return undefined;
  return definedFields<BlankBehavior>({
    blankMode: readEnum(node, "mode", BLANK_MODES, ctx),
    blankFactor: readMatchingString(
      node,
      "factor",
      ctx,
      (value) => {
        const factor = parsePythonFloat(value);
        return factor !== undefined && factor >= 0;
      },
      'a number >= 0 such as "1.3"',
    ),
  });
}

/** `<store>` as an element, fields in Cedar's order. */
export function writeStoreSection(value: StoreConfig): XmlElement {
  const blank = value.blankBehavior;
  return element("store", [
    textElement("source_dir", value.sourceDir),
    textElement("media_type", value.mediaType),
    textElement("device_type", value.deviceType),
    textElement("target_device", value.devicePath),
    textElement("target_scsi_id", value.deviceScsiId),
    textElement("drive_speed", value.driveSpeed),
    textElement("check_data", value.checkData),
    textElement("check_media", value.checkMedia),
    textElement("warn_midnite", value.warnMidnite),
    textElement("no_eject", value.noEject),
    textElement("refresh_media_delay", value.refreshMediaDelay),
    textElement("eject_delay", value.ejectDelay),
    blank === undefined
      ? undefined
      : element("blank_behavior", [
          textElement("mode", blank.blankMode),
          textElement("factor", blank.blankFactor),
        ]),
  ]);
}
