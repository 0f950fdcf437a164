import { describe, expect, it } from "vitest";
import { sectionFixtures } from "../../../test/support/section-fixtures.js";
import { postgresqlSectionReader, type PostgresqlConfig } from "./config.js";

const { readDocument, readFixture, readSection, writeDocument, fixtureValue } =
  sectionFixtures(postgresqlSectionReader);

describe("postgresql fixtures (cedar-extensions.md §6.3)", () => {
  it("rejects the empty document: the section is required", () => {
    const { value, rendered } = readFixture("postgresql.conf.1");
    expect(value).toBeUndefined();
    expect(rendered).toMatchInlineSnapshot(`
      [
        "postgresql.conf.1: postgresql: the <postgresql> section is required to run the postgresql extension; add one below <cb_config>",
      ]
    `);
  });

  it.each<[string, PostgresqlConfig]>([
    ["postgresql.conf.2", { user: "user", compressMode: "none", all: true }],
    [
      "postgresql.conf.3",
      { user: "user", compressMode: "gzip", all: false, databases: ["database"] },
    ],
    [
      "postgresql.conf.4",
      { user: "user", compressMode: "bzip2", all: false, databases: ["database1", "database2"] },
    ],
    [
      "postgresql.conf.5",
      { compressMode: "bzip2", all: false, databases: ["database1", "database2"] },
    ],
  ])("%s reads field by field", (name, expected) => {
    expect(readFixture(name).value).toStrictEqual(expected);
  });

  it.each(["postgresql.conf.2", "postgresql.conf.3", "postgresql.conf.4", "postgresql.conf.5"])(
    "%s survives read -> write -> read",
    (name) => {
      const first = fixtureValue(name);
      const again = readDocument(writeDocument(first), "written.xml");
      expect(again.rendered).toEqual([]);
      expect(again.value).toStrictEqual(first);
    },
  );

  it("writes the elements in Cedar's order", () => {
    const value = fixtureValue("postgresql.conf.3");
    expect(writeDocument(value)).toMatchInlineSnapshot(`
      "<?xml version='1.0' encoding='UTF-8'?>
      <cb_config>
         <postgresql>
            <user>user</user>
            <compress_mode>gzip</compress_mode>
            <all>N</all>
            <database>database</database>
         </postgresql>
      </cb_config>
      "
    `);
  });
});

describe("postgresql rules", () => {
  it.each([
    ["all=Y alone", "<compress_mode>bzip2</compress_mode><all>Y</all>", []],
    [
      "all=n with a database",
      "<compress_mode>none</compress_mode><all>n</all><database>a</database>",
      [],
    ],
    [
      "all=Y with a database",
      "<compress_mode>gzip</compress_mode><all>Y</all><database>a</database>",
      [
        'postgresql/database: <all> is Y, which dumps every database, but databases are listed too ("a"): remove the <database> elements or set <all> to N',
      ],
    ],
    [
      "all absent without databases",
      "<compress_mode>gzip</compress_mode>",
      [
        "postgresql/database: no <database> is listed and <all> is not Y: list at least one <database> or set <all> to Y",
      ],
    ],
    [
      "all not a Cedar boolean",
      "<compress_mode>gzip</compress_mode><all>true</all>",
      ['postgresql/all: must be one of Y, y, N, n, got "true"'],
    ],
    [
      "compress_mode missing and no database: both reported",
      "<user>postgres</user>",
      [
        "postgresql/compress_mode: <compress_mode> is required: set it to none, gzip or bzip2",
        "postgresql/database: no <database> is listed and <all> is not Y: list at least one <database> or set <all> to Y",
      ],
    ],
    [
      "compress_mode is case-sensitive",
      "<compress_mode>GZIP</compress_mode><all>Y</all>",
      ['postgresql/compress_mode: must be one of none, gzip, bzip2, got "GZIP"'],
    ],
    [
      "a <password> element is ignored (Cedar has none here)",
      "<password>x</password><compress_mode>gzip</compress_mode><all>Y</all>",
      [],
    ],
  ])("%s", (_name, body, expected) => {
    expect(readSection(body).messages).toEqual(expected);
  });

  it("reports problems with their positions", () => {
    const xml = [
      "<cb_config>",
      "  <postgresql>",
      "    <all>N</all>",
      "  </postgresql>",
      "</cb_config>",
    ].join("\n");
    expect(readDocument(xml, "cback.conf").rendered).toMatchInlineSnapshot(`
      [
        "cback.conf:2:3: postgresql/compress_mode: <compress_mode> is required: set it to none, gzip or bzip2",
        "cback.conf:2:3: postgresql/database: no <database> is listed and <all> is not Y: list at least one <database> or set <all> to Y",
      ]
    `);
  });
});
