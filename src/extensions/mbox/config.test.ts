import { describe, expect, it } from "vitest";
import { sectionFixtures } from "../../../test/support/section-fixtures.js";
import { ConfigError } from "../../errors/cback-error.js";
import {
  mboxSectionReader,
  resolveMboxModes,
  type MboxConfig,
  type MboxFile,
  type MboxModes,
} from "./config.js";

const { readDocument, readFixture, readSection, writeDocument, fixtureValue } =
  sectionFixtures(mboxSectionReader);

const VALID = ["mbox.conf.2", "mbox.conf.3", "mbox.conf.4"];

describe("mbox fixtures (cedar-extensions.md §6.3)", () => {
  it("rejects the empty document: the section is required", () => {
    const { value, rendered } = readFixture("mbox.conf.1");
    expect(value).toBeUndefined();
    expect(rendered).toMatchInlineSnapshot(`
      [
        "mbox.conf.1: mbox: the <mbox> section is required to run the mbox extension; add one below <cb_config>",
      ]
    `);
  });

  it.each<[string, MboxConfig]>([
    [
      "mbox.conf.2",
      {
        collectMode: "daily",
        compressMode: "gzip",
        files: [{ absolutePath: "/home/joebob/mail/cedar-backup-users" }],
        dirs: [{ absolutePath: "/home/billiejoe/mail" }],
      },
    ],
    [
      "mbox.conf.3",
      {
        files: [
          {
            absolutePath: "/home/joebob/mail/cedar-backup-users",
            collectMode: "daily",
            compressMode: "gzip",
          },
        ],
        dirs: [
          { absolutePath: "/home/billiejoe/mail", collectMode: "weekly", compressMode: "bzip2" },
        ],
      },
    ],
    [
      "mbox.conf.4",
      {
        collectMode: "incr",
        compressMode: "none",
        files: [
          { absolutePath: "/home/jimbo/mail/cedar-backup-users" },
          {
            absolutePath: "/home/joebob/mail/cedar-backup-users",
            collectMode: "daily",
            compressMode: "gzip",
          },
        ],
        dirs: [
          { absolutePath: "/home/frank/mail/cedar-backup-users" },
          {
            absolutePath: "/home/jimbob/mail",
            compressMode: "bzip2",
            relativeExcludePaths: ["logomachy-devel"],
          },
          {
            absolutePath: "/home/billiejoe/mail",
            collectMode: "weekly",
            compressMode: "bzip2",
            excludePatterns: [".*SPAM.*"],
          },
          {
            absolutePath: "/home/billybob/mail",
            relativeExcludePaths: ["debian-devel", "debian-python"],
            excludePatterns: [".*SPAM.*", ".*JUNK.*"],
          },
        ],
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

  it("writes files, then dirs with their exclusions", () => {
    const value = fixtureValue("mbox.conf.4");
    const written = writeDocument({
      ...value,
      files: value.files?.slice(1) ?? [],
      dirs: value.dirs?.slice(3) ?? [],
    });
    expect(written).toMatchInlineSnapshot(`
      "<?xml version='1.0' encoding='UTF-8'?>
      <cb_config>
         <mbox>
            <collect_mode>incr</collect_mode>
            <compress_mode>none</compress_mode>
            <file>
               <abs_path>/home/joebob/mail/cedar-backup-users</abs_path>
               <collect_mode>daily</collect_mode>
               <compress_mode>gzip</compress_mode>
            </file>
            <dir>
               <abs_path>/home/billybob/mail</abs_path>
               <exclude>
                  <rel_path>debian-devel</rel_path>
                  <rel_path>debian-python</rel_path>
                  <pattern>.*SPAM.*</pattern>
                  <pattern>.*JUNK.*</pattern>
               </exclude>
            </dir>
         </mbox>
      </cb_config>
      "
    `);
  });
});

describe("resolveMboxModes", () => {
  const section = readFixture("mbox.conf.4").value ?? {};
  it.each<["files" | "dirs", number, MboxModes]>([
    ["files", 0, { collectMode: "incr", compressMode: "none" }],
    ["files", 1, { collectMode: "daily", compressMode: "gzip" }],
    ["dirs", 0, { collectMode: "incr", compressMode: "none" }],
    ["dirs", 1, { collectMode: "incr", compressMode: "bzip2" }],
    ["dirs", 2, { collectMode: "weekly", compressMode: "bzip2" }],
  ])("mbox.conf.4 %s[%i]", (list, index, expected) => {
    const item = section[list]?.[index];
    if (item === undefined) throw new Error("missing item");
    expect(resolveMboxModes(section, item)).toStrictEqual(expected);
  });

  it.each<[string, MboxConfig, MboxFile]>([
    ["no collect mode", { compressMode: "gzip" }, { absolutePath: "/m" }],
    ["no compress mode", { collectMode: "daily" }, { absolutePath: "/m" }],
  ])("throws a ConfigError when there is %s", (_name, config, item) => {
    expect(() => resolveMboxModes(config, item)).toThrow(ConfigError);
  });
});

describe("mbox rules", () => {
  const MODES = "<collect_mode>weekly</collect_mode><compress_mode>bzip2</compress_mode>";
  it.each([
    ["one file with the defaults", `${MODES}<file><abs_path>/m/a</abs_path></file>`, []],
    [
      "only a dir, with its own modes",
      "<dir><abs_path>/m</abs_path><collect_mode>incr</collect_mode><compress_mode>none</compress_mode></dir>",
      [],
    ],
    [
      "nothing to back up",
      MODES,
      ["mbox: nothing to back up: add at least one <file> or <dir> with an <abs_path>"],
    ],
    [
      "an empty file element",
      `${MODES}<file/>`,
      ["mbox/file/abs_path: <abs_path> is required: give the absolute path of the mbox file"],
    ],
    [
      "a dir without abs_path",
      `${MODES}<dir><exclude><rel_path>x</rel_path></exclude></dir>`,
      [
        "mbox/dir/abs_path: <abs_path> is required: give the absolute path of the folder of mbox files",
      ],
    ],
    [
      "a relative abs_path",
      `${MODES}<file><abs_path>mail/a</abs_path></file>`,
      ['mbox/file/abs_path: must be an absolute path, got "mail/a"'],
    ],
    [
      "no modes anywhere",
      "<file><abs_path>/m/a</abs_path></file>",
      [
        "mbox/file/collect_mode: no collect mode: set <collect_mode> (daily, weekly or incr) here or in <mbox>",
        "mbox/file/compress_mode: no compress mode: set <compress_mode> (none, gzip or bzip2) here or in <mbox>",
      ],
    ],
    [
      "a bad compress mode",
      `${MODES}<dir><abs_path>/m</abs_path><compress_mode>xz</compress_mode></dir>`,
      ['mbox/dir/compress_mode: must be one of none, gzip, bzip2, got "xz"'],
    ],
    [
      "a file's <exclude> is not read",
      `${MODES}<file><abs_path>/m/a</abs_path><exclude><pattern>[</pattern></exclude></file>`,
      [],
    ],
  ])("%s", (_name, body, expected) => {
    expect(readSection(body).messages).toEqual(expected);
  });

  it("rejects an exclude pattern that is not a regular expression", () => {
    const { value, messages } = readSection(
      `${MODES}<dir><abs_path>/m</abs_path><exclude><pattern>(?P&lt;x</pattern></exclude></dir>`,
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /^mbox\/dir\/exclude\/pattern: must be a valid Python regular expression, got "\(\?P<x" \(.+\)$/,
    );
    expect(value?.dirs).toStrictEqual([{ absolutePath: "/m" }]);
  });

  it("reports every problem at once, with positions", () => {
    const xml = [
      "<cb_config>",
      "  <mbox>",
      "    <collect_mode>monthly</collect_mode>",
      "    <file>",
      "      <abs_path>/var/mail/a</abs_path>",
      "    </file>",
      "    <dir>",
      "      <abs_path>~/mail</abs_path>",
      "      <collect_mode>daily</collect_mode>",
      "    </dir>",
      "  </mbox>",
      "</cb_config>",
    ].join("\n");
    expect(readDocument(xml, "cback.conf").rendered).toMatchInlineSnapshot(`
      [
        "cback.conf:3:5: mbox/collect_mode: must be one of daily, weekly, incr, got "monthly"",
        "cback.conf:4:5: mbox/file/compress_mode: no compress mode: set <compress_mode> (none, gzip or bzip2) here or in <mbox>",
        "cback.conf:8:7: mbox/dir/abs_path: must be an absolute path, got "~/mail"",
        "cback.conf:7:5: mbox/dir/compress_mode: no compress mode: set <compress_mode> (none, gzip or bzip2) here or in <mbox>",
      ]
    `);
  });
});
