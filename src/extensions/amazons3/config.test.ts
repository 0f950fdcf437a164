import { describe, expect, it } from "vitest";
import { sectionFixtures } from "../../../test/support/section-fixtures.js";
import { amazons3SectionReader, type AmazonS3Config } from "./config.js";

const { readDocument, readFixture, readSection, writeDocument, fixtureValue } =
  sectionFixtures(amazons3SectionReader);

const VALID = ["amazons3.conf.2", "amazons3.conf.3"];

describe("amazons3 fixtures (cedar-extensions.md §6.3)", () => {
  it("rejects the empty document: the section is required", () => {
    const { value, rendered } = readFixture("amazons3.conf.1");
    expect(value).toBeUndefined();
    expect(rendered).toMatchInlineSnapshot(`
      [
        "amazons3.conf.1: amazons3: the <amazons3> section is required to run the amazons3 extension; add one below <cb_config>",
      ]
    `);
  });

  it.each<[string, AmazonS3Config]>([
    [
      "amazons3.conf.2",
      {
        warnMidnite: true,
        s3Bucket: "mybucket",
        encryptCommand: "encrypt",
        fullSizeLimit: { quantity: "5368709120", unit: "bytes", bytes: 5368709120 },
        incrSizeLimit: { quantity: "2147483648", unit: "bytes", bytes: 2147483648 },
      },
    ],
    [
      "amazons3.conf.3",
      {
        warnMidnite: true,
        s3Bucket: "mybucket",
        encryptCommand: "encrypt",
        fullSizeLimit: { quantity: "2.5", unit: "GB", bytes: 2.5 * 1024 ** 3 },
        incrSizeLimit: { quantity: "600", unit: "MB", bytes: 600 * 1024 ** 2 },
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

  it("writes the elements in Cedar's order", () => {
    const value = fixtureValue("amazons3.conf.3");
    expect(writeDocument(value)).toMatchInlineSnapshot(`
      "<?xml version='1.0' encoding='UTF-8'?>
      <cb_config>
         <amazons3>
            <warn_midnite>Y</warn_midnite>
            <s3_bucket>mybucket</s3_bucket>
            <encrypt>encrypt</encrypt>
            <full_size_limit>2.5 GB</full_size_limit>
            <incr_size_limit>600 MB</incr_size_limit>
         </amazons3>
      </cb_config>
      "
    `);
  });
});

describe("amazons3 rules", () => {
  it.each([
    ["only the bucket", "<s3_bucket>example.com-backup/staging</s3_bucket>", []],
    ["warn_midnite n", "<warn_midnite>n</warn_midnite><s3_bucket>b</s3_bucket>", []],
    [
      "no bucket",
      "<warn_midnite>Y</warn_midnite>",
      [
        'amazons3/s3_bucket: <s3_bucket> is required: give the bucket to upload to, optionally with a prefix (e.g. "example.com-backup/staging")',
      ],
    ],
    [
      "warn_midnite not a Cedar boolean",
      "<warn_midnite>no</warn_midnite><s3_bucket>b</s3_bucket>",
      ['amazons3/warn_midnite: must be one of Y, y, N, n, got "no"'],
    ],
    [
      "bad size limits, each reported",
      "<s3_bucket>b</s3_bucket><full_size_limit>1.1 Gb</full_size_limit><incr_size_limit>lots</incr_size_limit>",
      [
        'amazons3/full_size_limit: must be a non-negative number optionally followed by KB, MB or GB (e.g. "1.5 GB"), got "1.1 Gb"',
        'amazons3/incr_size_limit: must be a non-negative number optionally followed by KB, MB or GB (e.g. "1.5 GB"), got "lots"',
      ],
    ],
  ])("%s", (_name, body, expected) => {
    expect(readSection(body).messages).toEqual(expected);
  });

  it("keeps the encrypt command verbatim, placeholders included, through a round trip", () => {
    const command =
      "/usr/bin/gpg -c --no-use-agent --batch --yes --passphrase-file /home/backup/.passphrase -o ${output} ${input}";
    const { value } = readSection(`<s3_bucket>b</s3_bucket><encrypt>${command}</encrypt>`);
    expect(value).toStrictEqual({ s3Bucket: "b", encryptCommand: command });
    if (value === undefined) throw new Error("no <amazons3>");
    expect(readDocument(writeDocument(value), "written.xml").value).toStrictEqual(value);
  });

  it("reports problems with their positions", () => {
    const xml = [
      "<cb_config>",
      "  <amazons3>",
      "    <warn_midnite>yes</warn_midnite>",
      "    <s3_bucket></s3_bucket>",
      "  </amazons3>",
      "</cb_config>",
    ].join("\n");
    expect(readDocument(xml, "cback.conf").rendered).toMatchInlineSnapshot(`
      [
        "cback.conf:3:5: amazons3/warn_midnite: must be one of Y, y, N, n, got "yes"",
        "cback.conf:4:5: amazons3/s3_bucket: <s3_bucket> is required: give the bucket to upload to, optionally with a prefix (e.g. "example.com-backup/staging")",
      ]
    `);
  });
});
