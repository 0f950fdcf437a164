import { describe, expect, it } from "vitest";
import { sectionFixtures } from "../../../test/support/section-fixtures.js";
import { splitSectionReader, type SplitConfig } from "./config.js";

const { readDocument, readFixture, readSection, writeDocument, fixtureValue } =
  sectionFixtures(splitSectionReader);

const VALID = ["split.conf.2", "split.conf.3", "split.conf.4", "split.conf.5"];

describe("split fixtures (cedar-extensions.md §6.3)", () => {
  it("rejects the empty document: the section is required", () => {
    const { value, rendered } = readFixture("split.conf.1");
    expect(value).toBeUndefined();
    expect(rendered).toMatchInlineSnapshot(`
      [
        "split.conf.1: split: the <split> section is required to run the split extension; add one below <cb_config>",
      ]
    `);
  });

  it.each<[string, SplitConfig]>([
    [
      "split.conf.2",
      {
        sizeLimit: { quantity: "12345", unit: "bytes", bytes: 12345 },
        splitSize: { quantity: "67890.0", unit: "bytes", bytes: 67890 },
      },
    ],
    [
      "split.conf.3",
      {
        sizeLimit: { quantity: "1.25", unit: "KB", bytes: 1280 },
        splitSize: { quantity: "0.6", unit: "KB", bytes: 0.6 * 1024 },
      },
    ],
    [
      "split.conf.4",
      {
        sizeLimit: { quantity: "1.25", unit: "MB", bytes: 1310720 },
        splitSize: { quantity: "0.6", unit: "MB", bytes: 0.6 * 1024 ** 2 },
      },
    ],
    [
      "split.conf.5",
      {
        sizeLimit: { quantity: "1.25", unit: "GB", bytes: 1342177280 },
        splitSize: { quantity: "0.6", unit: "GB", bytes: 0.6 * 1024 ** 3 },
      },
    ],
  ])("%s reads field by field", (name, expected) => {
    expect(readFixture(name).value).toStrictEqual(expected);
  });

  it.each(VALID)("%s survives read -> write -> read", (name) => {
    const first = fixtureValue(name);
    const again = readDocument(writeDocument(first), "written.xml");
    expect(again.rendered).toEqual([]);
    expect(again.value).toStrictEqual(first);
  });

  it("writes quantities in Cedar's form (the whitespace of split.conf.4 is normalised)", () => {
    const value = fixtureValue("split.conf.4");
    expect(writeDocument(value)).toMatchInlineSnapshot(`
      "<?xml version='1.0' encoding='UTF-8'?>
      <cb_config>
         <split>
            <size_limit>1.25 MB</size_limit>
            <split_size>0.6 MB</split_size>
         </split>
      </cb_config>
      "
    `);
  });
});

describe("split rules", () => {
  it.each([
    ["GB without a space", "<size_limit>1.5GB</size_limit><split_size>1_000</split_size>", []],
    [
      "a lower-case unit",
      "<size_limit>10 kB</size_limit><split_size>1 MB</split_size>",
      [
        'split/size_limit: must be a non-negative number optionally followed by KB, MB or GB (e.g. "1.5 GB"), got "10 kB"',
      ],
    ],
    [
      "a negative size",
      "<size_limit>250 MB</size_limit><split_size>-1</split_size>",
      [
        'split/split_size: must be a non-negative number optionally followed by KB, MB or GB (e.g. "1.5 GB"), got "-1"',
      ],
    ],
    [
      "TB is not a unit",
      "<size_limit>1 TB</size_limit><split_size>1 MB</split_size>",
      [
        'split/size_limit: must be a non-negative number optionally followed by KB, MB or GB (e.g. "1.5 GB"), got "1 TB"',
      ],
    ],
    [
      "no split size",
      "<size_limit>250 MB</size_limit>",
      ['split/split_size: <split_size> is required: give the size of each chunk (e.g. "100 MB")'],
    ],
    [
      "an empty section: both reported",
      "<size_limit/>",
      [
        'split/size_limit: <size_limit> is required: give the size above which files are split (e.g. "250 MB")',
        'split/split_size: <split_size> is required: give the size of each chunk (e.g. "100 MB")',
      ],
    ],
  ])("%s", (_name, body, expected) => {
    expect(readSection(body).messages).toEqual(expected);
  });

  it("reads Python float syntax: 1_000 is 1000 bytes, 1.5GB is 1.5 GB", () => {
    expect(
      readSection("<size_limit>1.5GB</size_limit><split_size>1_000</split_size>").value,
    ).toStrictEqual({
      sizeLimit: { quantity: "1.5", unit: "GB", bytes: 1.5 * 1024 ** 3 },
      splitSize: { quantity: "1_000", unit: "bytes", bytes: 1000 },
    });
  });

  it("reports problems with their positions", () => {
    const xml = [
      "<cb_config>",
      "  <split>",
      "    <size_limit>big</size_limit>",
      "  </split>",
      "</cb_config>",
    ].join("\n");
    expect(readDocument(xml, "cback.conf").rendered).toMatchInlineSnapshot(`
      [
        "cback.conf:3:5: split/size_limit: must be a non-negative number optionally followed by KB, MB or GB (e.g. "1.5 GB"), got "big"",
        "cback.conf:2:3: split/split_size: <split_size> is required: give the size of each chunk (e.g. "100 MB")",
      ]
    `);
  });
});
