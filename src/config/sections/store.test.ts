import { describe, expect, it } from "vitest";
import { formatConfigIssue } from "../../errors/cback-error.js";
import type { StoreConfig } from "../types.js";
import { parseXml } from "../xml/parse-xml.js";
import { createReadContext } from "../xml/read-fields.js";
import { readStoreSection } from "./store.js";

function read(body: string): { store: StoreConfig | undefined; issues: string[] } {
  const { root } = parseXml(`<cb_config><store>${body}</store></cb_config>`);
  const ctx = createReadContext();
  const store = readStoreSection(root?.children[0], ctx);
  return { store, issues: ctx.issues.map(formatConfigIssue) };
}

describe("readStoreSection", () => {
  it.each([
    ["0,0,0", true],
    [" 1 , 2 , 3 ", true],
    ["ATA:1,0,0", true],
    ["ATAPI: 0,1,0", true],
    ["IOCompactDiscServices", true],
    ["IODVDServices/2", true],
    ["0,0", false],
    ["a,b,c", false],
    ["/dev/sr0", false],
    ["IOCompactDiscServices/x", false],
  ])("SCSI id %j valid: %s", (id, valid) => {
    const { store, issues } = read(`<target_scsi_id>${id}</target_scsi_id>`);
    expect(store?.deviceScsiId).toBe(valid ? id : undefined);
    expect(issues).toHaveLength(valid ? 0 : 1);
  });

  it.each([
    ["drive_speed", "1", 1],
    ["drive_speed", "0", undefined],
    ["refresh_media_delay", "12", 12],
    ["refresh_media_delay", "0", undefined],
    ["refresh_media_delay", "-1", undefined],
    ["eject_delay", "1_3", 13],
    ["eject_delay", "0", undefined],
  ])("%s %j reads as %j", (name, text, expected) => {
    const { store } = read(`<${name}>${text}</${name}>`);
    const key = {
      drive_speed: "driveSpeed",
      refresh_media_delay: "refreshMediaDelay",
      eject_delay: "ejectDelay",
    }[name] as keyof StoreConfig;
    expect(store?.[key]).toBe(expected);
  });

  it("a zero delay is no error, it just means unset", () => {
    expect(
      read("<eject_delay>0</eject_delay><refresh_media_delay>0</refresh_media_delay>"),
    ).toEqual({ store: {}, issues: [] });
  });

  it.each([
    ["1.3", "1.3"],
    ["0", "0"],
    [" 2 ", " 2 "],
    ["1e2", "1e2"],
    ["-1", undefined],
    ["abc", undefined],
    ["nan", undefined],
  ])("blank factor %j reads as %j", (factor, expected) => {
    expect(
      read(`<blank_behavior><factor>${factor}</factor></blank_behavior>`).store?.blankBehavior
        ?.blankFactor,
    ).toBe(expected);
  });

  it("reports invalid values at their elements", () => {
    expect(
      read(`<media_type>CDR-74</media_type><device_type>dvd</device_type><target_device>dev</target_device>
<target_scsi_id>0.0.0</target_scsi_id><drive_speed>0</drive_speed><no_eject>Y </no_eject>
<blank_behavior><mode>monthly</mode><factor>-1</factor></blank_behavior>`).issues,
    ).toMatchInlineSnapshot(`
      [
        "1:19: store/media_type: must be one of cdr-74, cdrw-74, cdr-80, cdrw-80, dvd+r, dvd+rw, got "CDR-74"",
        "1:50: store/device_type: must be one of cdwriter, dvdwriter, got "dvd"",
        "1:80: store/target_device: must be an absolute path, got "dev"",
        "2:1: store/target_scsi_id: must be a SCSI id such as "0,0,0" or "ATA:1,0,0" (or "IOCompactDiscServices" on macOS), got "0.0.0"",
        "2:39: store/drive_speed: must be an integer >= 1 (leave it out to let the drive choose), got "0"",
        "2:67: store/no_eject: must be one of Y, y, N, n, got "Y "",
        "3:17: store/blank_behavior/mode: must be one of daily, weekly, got "monthly"",
        "3:37: store/blank_behavior/factor: must be a number >= 0 such as "1.3", got "-1"",
      ]
    `);
  });

  it("an empty blank_behavior is read as present", () => {
    expect(read("<blank_behavior/>").store).toEqual({ blankBehavior: {} });
  });
});
