import { describe, expect, it } from "vitest";
import { formatConfigIssue } from "../../errors/cback-error.js";
import type { CollectConfig } from "../types.js";
import { parseXml } from "../xml/parse-xml.js";
import { createReadContext } from "../xml/read-fields.js";
import { readCollectSection } from "./collect.js";

function read(body: string): { collect: CollectConfig | undefined; issues: string[] } {
  const { root } = parseXml(`<cb_config><collect>${body}</collect></cb_config>`);
  const ctx = createReadContext();
  const collect = readCollectSection(root?.children[0], ctx);
  return { collect, issues: ctx.issues.map(formatConfigIssue) };
}

describe("readCollectSection", () => {
  it("is undefined when the section is absent and empty when it is empty", () => {
    const ctx = createReadContext();
    expect(readCollectSection(undefined, ctx)).toBeUndefined();
    expect(read("").collect).toEqual({});
  });

  it.each([
    ["collect_mode", "<collect_mode>daily</collect_mode>", "daily"],
    ["the mode alias", "<mode>weekly</mode>", "weekly"],
    ["mode before collect_mode", "<collect_mode>daily</collect_mode><mode>incr</mode>", "incr"],
    ["an empty mode falls back", "<mode/><collect_mode>daily</collect_mode>", "daily"],
    [
      "an invalid mode still wins",
      "<mode>Daily</mode><collect_mode>daily</collect_mode>",
      undefined,
    ],
    ["no trimming", "<collect_mode>daily </collect_mode>", undefined],
  ])("file and dir collect mode: %s", (_, fields, expected) => {
    const { collect } = read(
      `<file><abs_path>/f</abs_path>${fields}</file><dir><abs_path>/d</abs_path>${fields}</dir>`,
    );
    expect(collect?.collectFiles?.[0]?.collectMode).toBe(expected);
    expect(collect?.collectDirs?.[0]?.collectMode).toBe(expected);
  });

  it("reports invalid values at their elements", () => {
    expect(
      read(`<collect_dir>c</collect_dir><archive_mode>zip</archive_mode>
<dir><abs_path>/d</abs_path><link_depth>-1</link_depth><dereference>yes</dereference>
<recursion_level>-1</recursion_level><exclude><abs_path>rel</abs_path><pattern>[a-</pattern></exclude></dir>`)
        .issues,
    ).toMatchInlineSnapshot(`
      [
        "1:21: collect/collect_dir: must be an absolute path, got "c"",
        "1:49: collect/archive_mode: must be one of tar, targz, tarbz2, got "zip"",
        "2:29: collect/dir/link_depth: must be an integer >= 0, got "-1"",
        "2:56: collect/dir/dereference: must be one of Y, y, N, n, got "yes"",
        "3:47: collect/dir/exclude/abs_path: must be an absolute path, got "rel"",
        "3:71: collect/dir/exclude/pattern: must be a valid Python regular expression, got "[a-" (bad character range a-$ at position 1)",
      ]
    `);
  });

  it("reads exclusions: collect level abs_path and pattern, dir level all three", () => {
    const { collect, issues } =
      read(`<exclude><abs_path>/x</abs_path><pattern>(?P&lt;n&gt;a)b</pattern>
<abs_path/></exclude><dir><abs_path>/d</abs_path><recursion_level>-1</recursion_level><exclude>
<rel_path>r</rel_path><rel_path> s</rel_path><pattern>.*</pattern></exclude></dir>`);
    expect(issues).toEqual([]);
    expect(collect).toEqual({
      absoluteExcludePaths: ["/x"],
      excludePatterns: ["(?P<n>a)b"],
      collectDirs: [
        {
          absPath: "/d",
          recursionLevel: -1,
          relativeExcludePaths: ["r", " s"],
          excludePatterns: [".*"],
        },
      ],
    });
  });

  it("warns that collect-level rel_path and recursion_level are ignored", () => {
    const { collect, issues } = read(
      "<recursion_level>2</recursion_level><exclude><rel_path>tmp</rel_path></exclude>",
    );
    expect(collect).toEqual({});
    expect(issues).toMatchInlineSnapshot(`
      [
        "1:66: warning: collect/exclude/rel_path: ignored: rel_path works only in the <exclude> of a <dir>",
        "1:21: warning: collect/recursion_level: ignored: recursion_level works only inside a <dir>; move it there",
      ]
    `);
  });
});
