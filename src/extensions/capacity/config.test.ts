import { describe, expect, it } from "vitest";
import { sectionFixtures } from "../../../test/support/section-fixtures.js";
import { capacitySectionReader, parsePercentage, type CapacityConfig } from "./config.js";

const { readDocument, readFixture, readSection, writeDocument, fixtureValue } =
  sectionFixtures(capacitySectionReader);

const VALID = ["capacity.conf.2", "capacity.conf.3", "capacity.conf.4"];

describe("capacity fixtures (cedar-extensions.md §6.3)", () => {
  it("rejects the empty document: the section is required", () => {
    const { value, rendered } = readFixture("capacity.conf.1");
    expect(value).toBeUndefined();
    expect(rendered).toMatchInlineSnapshot(`
      [
        "capacity.conf.1: capacity: the <capacity> section is required to run the capacity extension; add one below <cb_config>",
      ]
    `);
  });

  it.each<[string, CapacityConfig]>([
    ["capacity.conf.2", { maxPercentage: { quantity: "63.2", percentage: 63.2 } }],
    ["capacity.conf.3", { minBytes: { quantity: "18", unit: "bytes", bytes: 18 } }],
    ["capacity.conf.4", { minBytes: { quantity: "1.25", unit: "KB", bytes: 1280 } }],
  ])("%s reads field by field", (name, expected) => {
    expect(readFixture(name).value).toStrictEqual(expected);
  });

  it.each(VALID)("%s survives read -> write -> read", (name) => {
    const first = fixtureValue(name);
    const again = readDocument(writeDocument(first), "written.xml");
    expect(again.rendered).toEqual([]);
    expect(again.value).toStrictEqual(first);
  });

  it("writes the percentage exactly as it was written", () => {
    const { value } = readSection("<max_percentage> 95.50 </max_percentage>");
    if (value === undefined) throw new Error("no <capacity>");
    expect(writeDocument(value)).toMatchInlineSnapshot(`
      "<?xml version='1.0' encoding='UTF-8'?>
      <cb_config>
         <capacity>
            <max_percentage> 95.50 </max_percentage>
         </capacity>
      </cb_config>
      "
    `);
  });
});

describe("parsePercentage", () => {
  it.each([
    ["0", 0],
    ["100", 100],
    ["100.0", 100],
    ["63.2", 63.2],
    [" 95.5 ", 95.5],
    ["1e1", 10],
    [".5", 0.5],
  ])("%j is %d", (text, percentage) => {
    expect(parsePercentage(text)).toStrictEqual({ quantity: text, percentage });
  });

  it.each(["100.1", "-0.1", "-1", "abc", "50%", "nan", "inf", "1,5"])("%j is refused", (text) => {
    expect(parsePercentage(text)).toBeUndefined();
  });
});

describe("capacity rules", () => {
  const BOTH_WORD = "<max_percentage> and <min_bytes> are both set: keep only one of them";
  const NEITHER =
    "capacity: <max_percentage> or <min_bytes> is required: set one of them (e.g. <max_percentage>95.5</max_percentage> or <min_bytes>16 MB</min_bytes>)";
  it.each([
    ["a percentage of 100", "<max_percentage>100</max_percentage>", []],
    ["min bytes in GB", "<min_bytes>2 GB</min_bytes>", []],
    [
      "both elements",
      "<max_percentage>95</max_percentage><min_bytes>16 MB</min_bytes>",
      [`capacity/min_bytes: ${BOTH_WORD}`],
    ],
    ["neither element", "", [NEITHER]],
    ["only empty elements", "<max_percentage/><min_bytes></min_bytes>", [NEITHER]],
    [
      "a percentage above 100",
      "<max_percentage>100.1</max_percentage>",
      ['capacity/max_percentage: must be a number from 0.0 to 100.0, got "100.1"'],
    ],
    [
      "a negative percentage",
      "<max_percentage>-5</max_percentage>",
      ['capacity/max_percentage: must be a number from 0.0 to 100.0, got "-5"'],
    ],
    [
      "a bad byte quantity",
      "<min_bytes>10 kB</min_bytes>",
      [
        'capacity/min_bytes: must be a non-negative number optionally followed by KB, MB or GB (e.g. "1.5 GB"), got "10 kB"',
      ],
    ],
    [
      "both, one of them bad: both problems",
      "<max_percentage>ninety</max_percentage><min_bytes>1 MB</min_bytes>",
      [
        'capacity/max_percentage: must be a number from 0.0 to 100.0, got "ninety"',
        `capacity/min_bytes: ${BOTH_WORD}`,
      ],
    ],
  ])("%s", (_name, body, expected) => {
    expect(readSection(body).messages).toEqual(expected);
  });

  it("reports problems with their positions", () => {
    const xml = [
      "<cb_config>",
      "  <capacity>",
      "    <max_percentage>101</max_percentage>",
      "    <min_bytes>16 MB</min_bytes>",
      "  </capacity>",
      "</cb_config>",
    ].join("\n");
    expect(readDocument(xml, "cback.conf").rendered).toMatchInlineSnapshot(`
      [
        "cback.conf:3:5: capacity/max_percentage: must be a number from 0.0 to 100.0, got "101"",
        "cback.conf:4:5: capacity/min_bytes: <max_percentage> and <min_bytes> are both set: keep only one of them",
      ]
    `);
  });
});
