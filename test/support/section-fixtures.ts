import { readFileSync } from "node:fs";
import { expect } from "vitest";
import type { SectionReader } from "../../src/config/section-reader.js";
import { parseXml } from "../../src/config/xml/parse-xml.js";
import { createReadContext } from "../../src/config/xml/read-fields.js";
import { element, writeXmlDocument } from "../../src/config/xml/write-xml.js";
import { firstChild } from "../../src/config/xml/xml-node.js";
import { formatConfigIssue } from "../../src/errors/cback-error.js";

/** Cedar's own test configurations (cedar-extensions.md §6.3). */
const CEDAR_FIXTURES = new URL("../fixtures/configs/cedar/", import.meta.url);

/** What a section reader made of one document. */
export interface SectionRead<T> {
  /** The section as read, `undefined` when absent. */
  readonly value: T | undefined;
  /** Every issue as the CLI prints it (`file:line:column: path: message`). */
  readonly rendered: string[];
  /** Every issue as `path: message`, without the position. */
  readonly messages: string[];
}

/** Read and write helpers for the tests of one extension section. */
export interface SectionFixtures<T> {
  /** Read the section from a whole document; the XML itself must be well formed. */
  readonly readDocument: (xml: string, file: string) => SectionRead<T>;
  /** Read the section from one of Cedar's test configurations, e.g. `mysql.conf.2`. */
  readonly readFixture: (name: string) => SectionRead<T>;
  /** Read `<cb_config><section>body</section></cb_config>` as `test.xml`. */
  readonly readSection: (body: string) => SectionRead<T>;
  /** Write `value` as the only section of a document. */
  readonly writeDocument: (value: T) => string;
  /** The value read from a Cedar fixture; throws when the fixture has no such section. */
  readonly fixtureValue: (name: string) => T;
}

/** The test helpers for `reader`'s section. */
export function sectionFixtures<T>(reader: SectionReader<T>): SectionFixtures<T> {
  const readDocument = (xml: string, file: string): SectionRead<T> => {
    const parsed = parseXml(xml, file);
    expect(parsed.issues).toEqual([]);
    const ctx = createReadContext(file);
    const value = reader.read(firstChild(parsed.root, reader.section), ctx);
    return {
      value,
      rendered: ctx.issues.map(formatConfigIssue),
      messages: ctx.issues.map((issue) => `${issue.path}: ${issue.message}`),
    };
  };
  const readFixture = (name: string): SectionRead<T> =>
    readDocument(readFileSync(new URL(name, CEDAR_FIXTURES), "utf8"), name);
  return {
    readDocument,
    readFixture,
    readSection: (body) =>
      readDocument(
        `<cb_config><${reader.section}>${body}</${reader.section}></cb_config>`,
        "test.xml",
      ),
    writeDocument: (value) => writeXmlDocument(element("cb_config", [reader.write(value)])),
    fixtureValue: (name) => {
      const { value } = readFixture(name);
      if (value === undefined) throw new Error(`fixture has no <${reader.section}>`);
      return value;
    },
  };
}
