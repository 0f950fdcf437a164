import { describe, expect, it } from "vitest";
import { sectionFixtures } from "../../../test/support/section-fixtures.js";
import { mysqlSectionReader, type MysqlConfig } from "./config.js";

const { readDocument, readFixture, readSection, writeDocument, fixtureValue } =
  sectionFixtures(mysqlSectionReader);

/** The config with the password revealed, since every Secret looks alike to toEqual. */
function plain(value: MysqlConfig | undefined) {
  if (value === undefined) return undefined;
  const { password, ...rest } = value;
  return password === undefined ? rest : { ...rest, password: password.reveal() };
}

describe("mysql fixtures (cedar-extensions.md §6.3)", () => {
  it("rejects the empty document: the section is required", () => {
    const { value, rendered } = readFixture("mysql.conf.1");
    expect(value).toBeUndefined();
    expect(rendered).toMatchInlineSnapshot(`
      [
        "mysql.conf.1: mysql: the <mysql> section is required to run the mysql extension; add one below <cb_config>",
      ]
    `);
  });

  it.each<[string, ReturnType<typeof plain>]>([
    ["mysql.conf.2", { user: "user", password: "password", compressMode: "none", all: true }],
    [
      "mysql.conf.3",
      {
        user: "user",
        password: "password",
        compressMode: "gzip",
        all: false,
        databases: ["database"],
      },
    ],
    [
      "mysql.conf.4",
      {
        user: "user",
        password: "password",
        compressMode: "bzip2",
        all: false,
        databases: ["database1", "database2"],
      },
    ],
    ["mysql.conf.5", { compressMode: "bzip2", all: false, databases: ["database1", "database2"] }],
  ])("%s reads field by field", (name, expected) => {
    expect(plain(readFixture(name).value)).toStrictEqual(expected);
  });

  it.each(["mysql.conf.2", "mysql.conf.3", "mysql.conf.4", "mysql.conf.5"])(
    "%s survives read -> write -> read",
    (name) => {
      const first = fixtureValue(name);
      const again = readDocument(writeDocument(first), "written.xml");
      expect(again.rendered).toEqual([]);
      expect(plain(again.value)).toStrictEqual(plain(first));
    },
  );

  it("writes the elements in Cedar's order", () => {
    const value = fixtureValue("mysql.conf.4");
    expect(writeDocument(value)).toMatchInlineSnapshot(`
      "<?xml version='1.0' encoding='UTF-8'?>
      <cb_config>
         <mysql>
            <user>user</user>
            <password>password</password>
            <compress_mode>bzip2</compress_mode>
            <all>N</all>
            <database>database1</database>
            <database>database2</database>
         </mysql>
      </cb_config>
      "
    `);
  });
});

describe("mysql rules", () => {
  it.each([
    ["all=Y alone", "<compress_mode>gzip</compress_mode><all>Y</all>", []],
    ["all=y alone", "<compress_mode>gzip</compress_mode><all>y</all>", []],
    ["all absent, one database", "<compress_mode>none</compress_mode><database>a</database>", []],
    [
      "all=Y with databases",
      "<compress_mode>gzip</compress_mode><all>Y</all><database>a</database><database>b</database>",
      [
        'mysql/database[1]: <all> is Y, which dumps every database, but databases are listed too ("a", "b"): remove the <database> elements or set <all> to N',
      ],
    ],
    [
      "all=N without databases",
      "<compress_mode>gzip</compress_mode><all>N</all>",
      [
        "mysql/database: no <database> is listed and <all> is not Y: list at least one <database> or set <all> to Y",
      ],
    ],
    [
      "all absent, only empty databases",
      "<compress_mode>gzip</compress_mode><database/><database></database>",
      [
        "mysql/database: no <database> is listed and <all> is not Y: list at least one <database> or set <all> to Y",
      ],
    ],
    [
      "all not a Cedar boolean (no guess about databases)",
      "<compress_mode>gzip</compress_mode><all>yes</all>",
      ['mysql/all: must be one of Y, y, N, n, got "yes"'],
    ],
    [
      "compress_mode missing",
      "<all>Y</all>",
      ["mysql/compress_mode: <compress_mode> is required: set it to none, gzip or bzip2"],
    ],
    [
      "compress_mode empty counts as absent",
      "<compress_mode/><all>Y</all>",
      ["mysql/compress_mode: <compress_mode> is required: set it to none, gzip or bzip2"],
    ],
    [
      "compress_mode CDATA counts as absent",
      "<compress_mode><![CDATA[gzip]]></compress_mode><all>Y</all>",
      ["mysql/compress_mode: <compress_mode> is required: set it to none, gzip or bzip2"],
    ],
    [
      "compress_mode not trimmed",
      "<compress_mode>gzip </compress_mode><all>Y</all>",
      ['mysql/compress_mode: must be one of none, gzip, bzip2, got "gzip "'],
    ],
    [
      "first compress_mode wins",
      "<compress_mode>gzip</compress_mode><compress_mode>zip</compress_mode><all>Y</all>",
      [],
    ],
  ])("%s", (_name, body, expected) => {
    expect(readSection(body).messages).toEqual(expected);
  });

  it("keeps values verbatim", () => {
    const { value } = readSection(
      "<user> root </user><password> pw </password><compress_mode>gzip</compress_mode><database> db </database>",
    );
    expect(plain(value)).toStrictEqual({
      user: " root ",
      password: " pw ",
      compressMode: "gzip",
      databases: [" db "],
    });
  });

  it("reports every problem at once, with positions", () => {
    const xml = [
      "<cb_config>",
      "  <mysql>",
      "    <compress_mode>lzma</compress_mode>",
      "    <all>Y</all>",
      "    <database>db1</database>",
      "  </mysql>",
      "</cb_config>",
    ].join("\n");
    expect(readDocument(xml, "cback.conf").rendered).toMatchInlineSnapshot(`
      [
        "cback.conf:3:5: mysql/compress_mode: must be one of none, gzip, bzip2, got "lzma"",
        "cback.conf:5:5: mysql/database: <all> is Y, which dumps every database, but databases are listed too ("db1"): remove the <database> elements or set <all> to N",
      ]
    `);
  });

  it("never shows the password in issues or JSON", () => {
    const { value, rendered } = readSection(
      "<user>u</user><password>s3cr3t-pw</password><compress_mode>zip</compress_mode><all>Y</all><database>d</database>",
    );
    expect(rendered).toHaveLength(2);
    for (const line of rendered) expect(line).not.toContain("s3cr3t-pw");
    const json = JSON.stringify(value);
    expect(json).not.toContain("s3cr3t-pw");
    expect(json).toContain("**redacted**");
    expect(value?.password?.reveal()).toBe("s3cr3t-pw");
  });
});
