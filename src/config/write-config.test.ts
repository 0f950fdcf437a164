import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parseConfig, readConfigSections } from "./load-config.js";
import type { SectionReader } from "./section-reader.js";
import type { Config } from "./types.js";
import { writeConfig } from "./write-config.js";
import { parseXml } from "./xml/parse-xml.js";
import { createReadContext, readString } from "./xml/read-fields.js";
import { element, textElement } from "./xml/write-xml.js";

const FIXTURES = new URL("../../test/fixtures/configs/cedar/", import.meta.url);
const NUMBERS = Array.from({ length: 23 }, (_, i) => i + 1);

/** Read a document's core sections; fails the test on any field-level error. */
function read(text: string): Config {
  const { root, issues } = parseXml(text);
  expect(issues).toEqual([]);
  const ctx = createReadContext();
  const config = readConfigSections(root, ctx);
  expect(ctx.issues.filter((issue) => issue.severity === "error")).toEqual([]);
  return config;
}

/** Source locations necessarily differ between two documents; everything else must not. */
function withoutLocations(config: Config): Config {
  const actions = config.extensions?.actions?.map(({ location: _, ...action }) => action);
  return config.extensions === undefined || actions === undefined
    ? config
    : { ...config, extensions: { ...config.extensions, actions } };
}

describe("writeConfig round trip", () => {
  it.each(NUMBERS)("cback.conf.%i: parse -> write -> parse gives the same Config", async (n) => {
    const original = read(await readFile(new URL(`cback.conf.${n}`, FIXTURES), "utf8"));
    const again = read(writeConfig(original));
    expect(withoutLocations(again)).toEqual(withoutLocations(original));
  });

  it("keeps the stage concurrency and share_connection (beyond Cedar)", () => {
    const config: Config = {
      stage: {
        targetDir: "/s",
        concurrency: 3,
        shareConnection: false,
        localPeers: [{ type: "local", name: "a", collectDir: "/c" }],
      },
    };
    const text = writeConfig(config);
    expect(text).toContain("<concurrency>3</concurrency>");
    expect(text).toContain("<share_connection>N</share_connection>");
    expect(read(text)).toEqual(config);
  });

  it("keeps empty lists, empty subsections and odd strings", () => {
    const config: Config = {
      options: {
        backupUser: " spaced ",
        rcpCommand: 'scp -o "A=<b>&c"',
        managedActions: [],
        hooks: [{ type: "post", action: "purge" }],
      },
      peers: {
        remotePeers: [{ type: "remote", name: "p", managed: true, managedActions: [] }],
      },
      extensions: {
        orderMode: "dependency",
        actions: [
          { name: "x", depends: {} },
          { name: "y", depends: { runBefore: [] } },
        ],
      },
      store: { blankBehavior: {}, noEject: false },
      purge: {},
    };
    expect(withoutLocations(read(writeConfig(config)))).toEqual(config);
  });

  it("writes Cedar's layout: prolog, 3-space indent, files before dirs, collect_mode not mode", () => {
    const config = read(`<cb_config><collect><collect_dir>/c</collect_dir>
      <dir><abs_path>/etc</abs_path><mode>daily</mode><dereference>Y</dereference>
        <link_depth>2</link_depth><exclude><rel_path>x</rel_path></exclude></dir>
      <file><abs_path>/f</abs_path></file></collect><purge/></cb_config>`);
    expect(writeConfig(config)).toMatchInlineSnapshot(`
      "<?xml version='1.0' encoding='UTF-8'?>
      <cb_config>
         <collect>
            <collect_dir>/c</collect_dir>
            <file>
               <abs_path>/f</abs_path>
            </file>
            <dir>
               <abs_path>/etc</abs_path>
               <collect_mode>daily</collect_mode>
               <link_depth>2</link_depth>
               <dereference>Y</dereference>
               <exclude>
                  <rel_path>x</rel_path>
               </exclude>
            </dir>
         </collect>
         <purge/>
      </cb_config>
      "
    `);
  });

  it("writes extension sections after the core sections, in the order given", () => {
    const reader = (section: string): SectionReader<{ value: string }> => ({
      section,
      read: (node) => ({ value: readString(node, "value") ?? "" }),
      write: (value) => element(section, [textElement("value", value.value)]),
    });
    const text = writeConfig({ purge: {} }, [
      { reader: reader("split"), value: { value: "1 MB" } },
      { reader: reader("mysql"), value: undefined },
      { reader: reader("encrypt"), value: { value: "gpg" } },
    ]);
    expect(text.split("\n").map((line) => line.trim())).toEqual([
      "<?xml version='1.0' encoding='UTF-8'?>",
      "<cb_config>",
      "<purge/>",
      "<split>",
      "<value>1 MB</value>",
      "</split>",
      "<encrypt>",
      "<value>gpg</value>",
      "</encrypt>",
      "</cb_config>",
      "",
    ]);
    const result = parseConfig(text, { sectionReaders: [reader("encrypt")] });
    expect(result.sections?.get("encrypt")?.value).toEqual({ value: "gpg" });
  });
});
