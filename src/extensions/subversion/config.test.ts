import { describe, expect, it } from "vitest";
import { sectionFixtures } from "../../../test/support/section-fixtures.js";
import { ConfigError } from "../../errors/cback-error.js";
import {
  resolveSubversionModes,
  subversionSectionReader,
  type SubversionConfig,
  type SubversionModes,
  type SubversionRepository,
} from "./config.js";

const { readDocument, readFixture, readSection, writeDocument, fixtureValue } =
  sectionFixtures(subversionSectionReader);

const VALID = [
  "subversion.conf.2",
  "subversion.conf.3",
  "subversion.conf.4",
  "subversion.conf.5",
  "subversion.conf.6",
  "subversion.conf.7",
];

describe("subversion fixtures (cedar-extensions.md §6.3)", () => {
  it("rejects the empty document: the section is required", () => {
    const { value, rendered } = readFixture("subversion.conf.1");
    expect(value).toBeUndefined();
    expect(rendered).toMatchInlineSnapshot(`
      [
        "subversion.conf.1: subversion: the <subversion> section is required to run the subversion extension; add one below <cb_config>",
      ]
    `);
  });

  it.each<[string, SubversionConfig]>([
    [
      "subversion.conf.2",
      {
        collectMode: "daily",
        compressMode: "gzip",
        repositories: [{ absolutePath: "/opt/public/svn/software" }],
      },
    ],
    [
      "subversion.conf.3",
      {
        repositories: [
          { absolutePath: "/opt/public/svn/software", collectMode: "daily", compressMode: "gzip" },
        ],
      },
    ],
    [
      "subversion.conf.4",
      {
        collectMode: "daily",
        compressMode: "gzip",
        repositories: [
          { absolutePath: "/opt/public/svn/one" },
          { type: "BDB", absolutePath: "/opt/public/svn/two", collectMode: "weekly" },
          { absolutePath: "/opt/public/svn/three", compressMode: "bzip2" },
          {
            type: "FSFS",
            absolutePath: "/opt/public/svn/four",
            collectMode: "incr",
            compressMode: "bzip2",
          },
        ],
      },
    ],
    [
      "subversion.conf.5",
      {
        collectMode: "daily",
        compressMode: "gzip",
        repositoryDirs: [{ absolutePath: "/opt/public/svn/software" }],
      },
    ],
    [
      "subversion.conf.6",
      {
        repositoryDirs: [
          { absolutePath: "/opt/public/svn/software", collectMode: "daily", compressMode: "gzip" },
        ],
      },
    ],
    [
      "subversion.conf.7",
      {
        collectMode: "daily",
        compressMode: "gzip",
        repositoryDirs: [
          { absolutePath: "/opt/public/svn/one" },
          {
            type: "BDB",
            absolutePath: "/opt/public/svn/two",
            collectMode: "weekly",
            relativeExcludePaths: ["software"],
          },
          {
            absolutePath: "/opt/public/svn/three",
            compressMode: "bzip2",
            excludePatterns: [".*software.*"],
          },
          {
            type: "FSFS",
            absolutePath: "/opt/public/svn/four",
            collectMode: "incr",
            compressMode: "bzip2",
            relativeExcludePaths: ["cedar", "banner"],
            excludePatterns: [".*software.*", ".*database.*"],
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

  it("writes repositories, then repository dirs with their exclusions", () => {
    const value = fixtureValue("subversion.conf.7");
    const { repositoryDirs = [] } = value;
    const written = writeDocument({
      ...value,
      repositories: [{ absolutePath: "/srv/svn/a" }],
      repositoryDirs: repositoryDirs.slice(3),
    });
    expect(written).toMatchInlineSnapshot(`
      "<?xml version='1.0' encoding='UTF-8'?>
      <cb_config>
         <subversion>
            <collect_mode>daily</collect_mode>
            <compress_mode>gzip</compress_mode>
            <repository>
               <abs_path>/srv/svn/a</abs_path>
            </repository>
            <repository_dir>
               <type>FSFS</type>
               <abs_path>/opt/public/svn/four</abs_path>
               <collect_mode>incr</collect_mode>
               <compress_mode>bzip2</compress_mode>
               <exclude>
                  <rel_path>cedar</rel_path>
                  <rel_path>banner</rel_path>
                  <pattern>.*software.*</pattern>
                  <pattern>.*database.*</pattern>
               </exclude>
            </repository_dir>
         </subversion>
      </cb_config>
      "
    `);
  });
});

describe("resolveSubversionModes", () => {
  const section = readFixture("subversion.conf.4").value ?? {};
  it.each<[number, SubversionModes]>([
    [0, { collectMode: "daily", compressMode: "gzip" }],
    [1, { collectMode: "weekly", compressMode: "gzip" }],
    [2, { collectMode: "daily", compressMode: "bzip2" }],
    [3, { collectMode: "incr", compressMode: "bzip2" }],
  ])("repository %i of subversion.conf.4", (index, expected) => {
    const repository = section.repositories?.[index];
    if (repository === undefined) throw new Error("missing repository");
    expect(resolveSubversionModes(section, repository)).toStrictEqual(expected);
  });

  it.each<[string, SubversionConfig, SubversionRepository]>([
    ["no collect mode", { compressMode: "gzip" }, { absolutePath: "/svn/x" }],
    ["no compress mode", {}, { absolutePath: "/svn/x", collectMode: "daily" }],
  ])("throws a ConfigError when there is %s", (_name, config, repository) => {
    expect(() => resolveSubversionModes(config, repository)).toThrow(ConfigError);
  });
});

describe("subversion rules", () => {
  const MODES = "<collect_mode>daily</collect_mode><compress_mode>gzip</compress_mode>";
  it.each([
    [
      "a repository with the section defaults",
      `${MODES}<repository><abs_path>/svn/a</abs_path></repository>`,
      [],
    ],
    [
      "each item sets one mode, the section the other",
      "<collect_mode>incr</collect_mode><repository><abs_path>/svn/a</abs_path><compress_mode>none</compress_mode></repository><repository_dir><abs_path>/svn</abs_path><compress_mode>bzip2</compress_mode></repository_dir>",
      [],
    ],
    [
      "no repository at all",
      MODES,
      [
        "subversion: no repository is configured: add at least one <repository> or <repository_dir> with an <abs_path>",
      ],
    ],
    [
      "an empty repository element",
      `${MODES}<repository/>`,
      [
        "subversion/repository/abs_path: <abs_path> is required: give the absolute path of the repository",
      ],
    ],
    [
      "a relative abs_path",
      `${MODES}<repository_dir><abs_path>svn/a</abs_path></repository_dir>`,
      ['subversion/repository_dir/abs_path: must be an absolute path, got "svn/a"'],
    ],
    [
      "an abs_path with a leading space (not trimmed)",
      `${MODES}<repository><abs_path> /svn/a</abs_path></repository>`,
      ['subversion/repository/abs_path: must be an absolute path, got " /svn/a"'],
    ],
    [
      "no modes anywhere: every item reports both",
      "<repository><abs_path>/svn/a</abs_path></repository><repository_dir><abs_path>/svn</abs_path><collect_mode>weekly</collect_mode></repository_dir>",
      [
        "subversion/repository/collect_mode: no collect mode: set <collect_mode> (daily, weekly or incr) here or in <subversion>",
        "subversion/repository/compress_mode: no compress mode: set <compress_mode> (none, gzip or bzip2) here or in <subversion>",
        "subversion/repository_dir/compress_mode: no compress mode: set <compress_mode> (none, gzip or bzip2) here or in <subversion>",
      ],
    ],
    [
      "a bad item mode is reported once",
      `<compress_mode>gzip</compress_mode><repository><abs_path>/svn/a</abs_path><collect_mode>hourly</collect_mode></repository>`,
      ['subversion/repository/collect_mode: must be one of daily, weekly, incr, got "hourly"'],
    ],
    [
      "a bad section default is reported once",
      `<collect_mode>Daily</collect_mode><compress_mode>gzip</compress_mode><repository><abs_path>/svn/a</abs_path></repository>`,
      ['subversion/collect_mode: must be one of daily, weekly, incr, got "Daily"'],
    ],
    [
      "repeated items get indexed paths",
      `${MODES}<repository><abs_path>/svn/a</abs_path></repository><repository><abs_path>b</abs_path></repository>`,
      ['subversion/repository[2]/abs_path: must be an absolute path, got "b"'],
    ],
  ])("%s", (_name, body, expected) => {
    expect(readSection(body).messages).toEqual(expected);
  });

  it("rejects an exclude pattern that is not a regular expression", () => {
    const { value, messages } = readSection(
      `${MODES}<repository_dir><abs_path>/svn</abs_path><exclude><pattern>[a</pattern><pattern>ok.*</pattern></exclude></repository_dir>`,
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /^subversion\/repository_dir\/exclude\/pattern\[1\]: must be a valid Python regular expression, got "\[a" \(.+\)$/,
    );
    expect(value?.repositoryDirs?.[0]?.excludePatterns).toStrictEqual(["ok.*"]);
  });

  it("keeps exclusions verbatim, skips empty entries and drops an empty <exclude>", () => {
    const { value, messages } = readSection(
      `${MODES}<repository_dir><abs_path>/svn</abs_path><exclude><rel_path> a b </rel_path><rel_path/><pattern></pattern></exclude></repository_dir><repository_dir><abs_path>/svn2</abs_path><exclude/></repository_dir>`,
    );
    expect(messages).toEqual([]);
    expect(value?.repositoryDirs).toStrictEqual([
      { absolutePath: "/svn", relativeExcludePaths: [" a b "] },
      { absolutePath: "/svn2" },
    ]);
  });

  it("reports every problem at once, with positions", () => {
    const xml = [
      "<cb_config>",
      "  <subversion>",
      "    <compress_mode>gzip</compress_mode>",
      "    <repository>",
      "      <abs_path>relative</abs_path>",
      "    </repository>",
      "    <repository_dir>",
      "      <exclude><pattern>(</pattern></exclude>",
      "    </repository_dir>",
      "  </subversion>",
      "</cb_config>",
    ].join("\n");
    const { rendered } = readDocument(xml, "cback.conf");
    expect(rendered.map((line) => line.replace(/ \(.+\)$/, " (reason)"))).toMatchInlineSnapshot(`
      [
        "cback.conf:5:7: subversion/repository/abs_path: must be an absolute path, got "relative"",
        "cback.conf:4:5: subversion/repository/collect_mode: no collect mode: set <collect_mode> (daily, weekly or incr) here or in <subversion>",
        "cback.conf:7:5: subversion/repository_dir/abs_path: <abs_path> is required: give the absolute path of the repository directory",
        "cback.conf:7:5: subversion/repository_dir/collect_mode: no collect mode: set <collect_mode> (daily, weekly or incr) here or in <subversion>",
        "cback.conf:8:16: subversion/repository_dir/exclude/pattern: must be a valid Python regular expression, got "(" (reason)",
      ]
    `);
  });
});
