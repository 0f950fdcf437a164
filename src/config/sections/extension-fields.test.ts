import { describe, expect, it } from "vitest";
import { ConfigError, formatConfigIssue } from "../../errors/cback-error.js";
import { parseXml } from "../xml/parse-xml.js";
import { createReadContext, type ReadContext } from "../xml/read-fields.js";
import { element, writeXmlDocument } from "../xml/write-xml.js";
import type { XmlNode } from "../xml/xml-node.js";
import {
  addRequired,
  byteQuantityElement,
  databaseDumpElements,
  exclusionsElement,
  isWritten,
  itemElements,
  readDatabaseDumpFields,
  readExclusions,
  readItemFields,
  readSectionModes,
  reportMissingSection,
  resolveItemModes,
} from "./extension-fields.js";

/** Run `read` on the `<demo>` section of a document; issues as `path: message`. */
function readDemo<T>(
  body: string,
  read: (section: XmlNode, ctx: ReadContext) => T,
): { value: T; issues: string[] } {
  const { root } = parseXml(`<cb_config><demo>${body}</demo></cb_config>`, "t.xml");
  const section = root?.children[0];
  if (section === undefined) throw new Error("no <demo>");
  const ctx = createReadContext("t.xml");
  const value = read(section, ctx);
  return { value, issues: ctx.issues.map((issue) => `${issue.path}: ${issue.message}`) };
}

const write = (children: Parameters<typeof element>[1]) =>
  writeXmlDocument(element("demo", children));

describe("section-level helpers", () => {
  it("reports a missing section at its path, without a position", () => {
    const ctx = createReadContext("t.xml");
    reportMissingSection(ctx, "demo");
    expect(ctx.issues.map(formatConfigIssue)).toEqual([
      "t.xml: demo: the <demo> section is required to run the demo extension; add one below <cb_config>",
    ]);
  });

  it.each([
    ["<x>v</x>", true],
    ["<x/>", false],
    ["<x><![CDATA[v]]></x>", false],
    ["", false],
  ])("isWritten(%s) is %s", (body, expected) => {
    expect(readDemo(body, (section) => isWritten(section, "x")).value).toBe(expected);
  });

  it("locates a required element at itself when empty, else at its parent", () => {
    const at = (body: string) => {
      const { root } = parseXml(`<cb_config>\n<demo>${body}</demo></cb_config>`, "t.xml");
      const ctx = createReadContext("t.xml");
      if (root?.children[0] !== undefined) addRequired(ctx, root.children[0], "x", "needed");
      return ctx.issues.map(formatConfigIssue);
    };
    expect(at("")).toEqual(["t.xml:2:1: demo/x: needed"]);
    expect(at("<x/>")).toEqual(["t.xml:2:7: demo/x: needed"]);
  });

  it("writes a byte quantity in Cedar's form, or nothing", () => {
    expect(byteQuantityElement("s", { quantity: "1.5", unit: "GB", bytes: 1 })).toEqual({
      name: "s",
      text: "1.5 GB",
    });
    expect(byteQuantityElement("s", { quantity: "10", unit: "bytes", bytes: 10 })?.text).toBe("10");
    expect(byteQuantityElement("s", undefined)).toBeUndefined();
  });
});

describe("readDatabaseDumpFields", () => {
  const ALL_BUT =
    "no <database> is listed and <all> is not Y: list at least one <database> or set <all> to Y";
  it.each<[string, string, string[]]>([
    ["all=Y alone", "<compress_mode>gzip</compress_mode><all>Y</all>", []],
    ["databases without all", "<compress_mode>none</compress_mode><database>a</database>", []],
    [
      "all=Y with databases",
      "<compress_mode>gzip</compress_mode><all>y</all><database/><database>a</database>",
      [
        'demo/database[2]: <all> is Y, which dumps every database, but databases are listed too ("a"): remove the <database> elements or set <all> to N',
      ],
    ],
    [
      "all=N alone",
      "<compress_mode>gzip</compress_mode><all>N</all>",
      [`demo/database: ${ALL_BUT}`],
    ],
    [
      "an unreadable <all> adds no guess",
      "<compress_mode>gzip</compress_mode><all>1</all>",
      ['demo/all: must be one of Y, y, N, n, got "1"'],
    ],
    [
      "nothing at all",
      "",
      [
        "demo/compress_mode: <compress_mode> is required: set it to none, gzip or bzip2",
        `demo/database: ${ALL_BUT}`,
      ],
    ],
  ])("%s", (_name, body, expected) => {
    expect(readDemo(body, readDatabaseDumpFields).issues).toEqual(expected);
  });

  it("reads and writes the fields in Cedar's order, dropping unset ones", () => {
    const body = "<database>b</database><all>N</all><compress_mode>bzip2</compress_mode>";
    const { value } = readDemo(body, readDatabaseDumpFields);
    expect(value).toStrictEqual({ compressMode: "bzip2", all: false, databases: ["b"] });
    expect(write(databaseDumpElements(value))).toContain(
      "<compress_mode>bzip2</compress_mode>\n   <all>N</all>\n   <database>b</database>",
    );
    expect(readDemo("<all>Y</all>", readDatabaseDumpFields).value).toStrictEqual({ all: true });
  });
});

describe("items with modes", () => {
  const readItem = (section: XmlNode, ctx: ReadContext) =>
    section.children
      .filter((child) => child.name === "item")
      .map((item) => readItemFields(section, item, "demo item", ctx));

  it("reads the section's default modes", () => {
    const { value, issues } = readDemo(
      "<collect_mode>weekly</collect_mode><compress_mode>zip</compress_mode>",
      readSectionModes,
    );
    expect(value).toStrictEqual({ collectMode: "weekly" });
    expect(issues).toEqual(['demo/compress_mode: must be one of none, gzip, bzip2, got "zip"']);
  });

  it.each<[string, string, string[]]>([
    [
      "modes on the item",
      "<item><abs_path>/a</abs_path><collect_mode>daily</collect_mode><compress_mode>none</compress_mode></item>",
      [],
    ],
    [
      "modes on the section",
      "<collect_mode>incr</collect_mode><compress_mode>gzip</compress_mode><item><abs_path>/a</abs_path></item>",
      [],
    ],
    [
      "nothing set",
      "<item/>",
      [
        "demo/item/abs_path: <abs_path> is required: give the absolute path of the demo item",
        "demo/item/collect_mode: no collect mode: set <collect_mode> (daily, weekly or incr) here or in <demo>",
        "demo/item/compress_mode: no compress mode: set <compress_mode> (none, gzip or bzip2) here or in <demo>",
      ],
    ],
    [
      "field errors come before missing fields",
      "<compress_mode>gzip</compress_mode><item><abs_path>rel</abs_path></item>",
      [
        'demo/item/abs_path: must be an absolute path, got "rel"',
        "demo/item/collect_mode: no collect mode: set <collect_mode> (daily, weekly or incr) here or in <demo>",
      ],
    ],
  ])("%s", (_name, body, expected) => {
    expect(readDemo(body, readItem).issues).toEqual(expected);
  });

  it("writes an item's fields in Cedar's order", () => {
    const item = { compressMode: "bzip2", absolutePath: "/a" } as const;
    expect(write(itemElements(item))).toContain(
      "<abs_path>/a</abs_path>\n   <compress_mode>bzip2</compress_mode>",
    );
  });

  it.each([
    [
      {},
      { collectMode: "daily", compressMode: "gzip" },
      { collectMode: "daily", compressMode: "gzip" },
    ],
    [
      { collectMode: "weekly" },
      { compressMode: "none" },
      { collectMode: "weekly", compressMode: "none" },
    ],
  ] as const)("resolves %j over %j", (item, section, expected) => {
    expect(resolveItemModes(section, item, () => "unused")).toStrictEqual(expected);
  });

  it.each([
    [{}, "<collect_mode>"],
    [{ collectMode: "incr" }, "<compress_mode>"],
  ] as const)("names the first missing mode of %j", (section, missing) => {
    const resolve = () => resolveItemModes(section, {}, (name) => `no ${name}`);
    expect(resolve).toThrow(ConfigError);
    expect(resolve).toThrow(`no ${missing}`);
  });
});

describe("exclusions", () => {
  it("keeps valid entries verbatim and reports invalid patterns", () => {
    const { value, issues } = readDemo(
      "<exclude><rel_path> a </rel_path><rel_path/><pattern>[</pattern><pattern>.*x</pattern></exclude>",
      readExclusions,
    );
    expect(value).toStrictEqual({ relativeExcludePaths: [" a "], excludePatterns: [".*x"] });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      /^demo\/exclude\/pattern\[1\]: must be a valid Python regular expression, got "\[" \(.+\)$/,
    );
  });

  it.each(["", "<exclude/>", "<exclude><pattern/></exclude>"])("%j excludes nothing", (body) => {
    const { value } = readDemo(body, readExclusions);
    expect(value).toStrictEqual({});
    expect(exclusionsElement(value)).toBeUndefined();
  });

  it("writes rel_paths, then patterns", () => {
    const excluded = exclusionsElement({ excludePatterns: ["p"], relativeExcludePaths: ["r"] });
    expect(write([excluded])).toContain(
      "<exclude>\n      <rel_path>r</rel_path>\n      <pattern>p</pattern>\n   </exclude>",
    );
  });
});
