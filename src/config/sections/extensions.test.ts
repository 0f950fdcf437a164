import { describe, expect, it } from "vitest";
import { formatConfigIssue } from "../../errors/cback-error.js";
import type { ExtensionsConfig } from "../types.js";
import { parseXml } from "../xml/parse-xml.js";
import { createReadContext } from "../xml/read-fields.js";
import { readExtensionsSection } from "./extensions.js";

function read(body: string): { extensions: ExtensionsConfig | undefined; issues: string[] } {
  const { root } = parseXml(`<cb_config><extensions>${body}</extensions></cb_config>`);
  const ctx = createReadContext();
  const extensions = readExtensionsSection(root?.children[0], ctx);
  return { extensions, issues: ctx.issues.map(formatConfigIssue) };
}

const action = (fields: string) => read(`<action>${fields}</action>`);

describe("readExtensionsSection", () => {
  it("reads zero actions as absent", () => {
    expect(read("<order_mode>dependency</order_mode>")).toEqual({
      extensions: { orderMode: "dependency" },
      issues: [],
    });
  });

  it.each([
    ["CedarBackup3.extend.mysql", true],
    ["module", true],
    ["_private.x2", true],
    ["./extensions/report.js", true],
    ["/opt/cback/report.mjs", true],
    ["file:///opt/cback/report.js", true],
    ["a..b", false],
    ["1abc", false],
    ["my-extension", false],
    ["a b", false],
  ])("module %j valid: %s", (module, valid) => {
    const { extensions, issues } = action(`<module>${module}</module>`);
    expect(extensions?.actions?.[0]?.module).toBe(valid ? module : undefined);
    expect(issues).toHaveLength(valid ? 0 : 1);
  });

  it.each([
    ["executeAction", true],
    ["_run2", true],
    ["run-it", false],
    ["2run", false],
  ])("function %j valid: %s", (name, valid) => {
    expect(action(`<function>${name}</function>`).issues).toHaveLength(valid ? 0 : 1);
  });

  it.each([
    ["mysql2", true],
    ["MySQL", false],
    ["my_sql", false],
    ["mysql ", false],
  ])("action name %j valid: %s", (name, valid) => {
    expect(action(`<name>${name}</name>`).issues).toHaveLength(valid ? 0 : 1);
  });

  it("records where each action is, for later messages", () => {
    const { extensions } = read(
      "\n<action><name>a</name></action>\n  <action><name>b</name></action>",
    );
    expect(extensions?.actions?.map((a) => a.location)).toEqual([
      { path: "extensions/action[1]", line: 2, column: 1 },
      { path: "extensions/action[2]", line: 3, column: 3 },
    ]);
  });

  it("reads depends: empty element present, lists split on commas", () => {
    const { extensions } = read(
      "<action><depends/></action><action><depends><run_before> , </run_before><run_after>a,,b </run_after></depends></action>",
    );
    expect(extensions?.actions?.map((a) => a.depends)).toEqual([
      {},
      { runBefore: [], runAfter: ["a", "b"] },
    ]);
  });

  it("reports invalid values at their elements", () => {
    expect(
      read(`<order_mode>Index</order_mode><action><name>Sys</name><index>-1</index>
<depends><run_after>collect,Stage</run_after></depends></action>`).issues,
    ).toMatchInlineSnapshot(`
      [
        "1:24: extensions/order_mode: must be one of index, dependency, got "Index"",
        "1:62: extensions/action/name: must be an action name: lower-case letters and digits only, got "Sys"",
        "1:78: extensions/action/index: must be an integer >= 0, got "-1"",
        "2:10: extensions/action/depends/run_after: action names must be lower-case letters and digits only, got "Stage"",
      ]
    `);
  });
});
