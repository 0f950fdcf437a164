import { describe, expect, it } from "vitest";
import { formatConfigIssue } from "../../errors/cback-error.js";
import type { OptionsConfig } from "../types.js";
import { parseXml } from "../xml/parse-xml.js";
import { createReadContext } from "../xml/read-fields.js";
import { readOptionsSection } from "./options.js";

function read(body: string): { options: OptionsConfig | undefined; issues: string[] } {
  const { root } = parseXml(`<cb_config><options>${body}</options></cb_config>`);
  const ctx = createReadContext();
  const options = readOptionsSection(root?.children[0], ctx);
  return { options, issues: ctx.issues.map(formatConfigIssue) };
}

describe("readOptionsSection", () => {
  it("lists pre-action hooks before post-action hooks, as Cedar reads them", () => {
    const { options } =
      read(`<post_action_hook><action>stage</action><command>df</command></post_action_hook>
<pre_action_hook><action>collect</action><command>ls -l</command></pre_action_hook>
<pre_action_hook><action>purge</action></pre_action_hook>`);
    expect(options?.hooks).toEqual([
      { type: "pre", action: "collect", command: "ls -l" },
      { type: "pre", action: "purge" },
      { type: "post", action: "stage", command: "df" },
    ]);
  });

  it("keeps overrides as written, incomplete ones included", () => {
    expect(
      read(
        "<override><command>tar</command><abs_path>/bin/tar</abs_path></override><override><command>x</command></override>",
      ).options?.overrides,
    ).toEqual([{ command: "tar", absPath: "/bin/tar" }, { command: "x" }]);
  });

  it.each([
    ["collect, purge", ["collect", "purge"]],
    [" , ", []],
    ["collect,,stage ,", ["collect", "stage"]],
    ["Collect", undefined],
  ])("managed_actions %j reads as %j", (text, expected) => {
    expect(read(`<managed_actions>${text}</managed_actions>`).options?.managedActions).toEqual(
      expected,
    );
  });

  it("reports invalid values at their elements", () => {
    expect(
      read(`<starting_day>Tuesday</starting_day><working_dir>~/tmp</working_dir>
<managed_actions>collect, store-it</managed_actions>
<override><command>tar</command><abs_path>tar</abs_path></override>
<pre_action_hook><action>Collect</action><command>ls</command></pre_action_hook>`).issues,
    ).toMatchInlineSnapshot(`
      [
        "1:21: options/starting_day: must be one of monday, tuesday, wednesday, thursday, friday, saturday, sunday, got "Tuesday"",
        "1:57: options/working_dir: must be an absolute path, got "~/tmp"",
        "2:1: options/managed_actions: action names must be lower-case letters and digits only, got "store-it"",
        "3:33: options/override/abs_path: must be an absolute path, got "tar"",
        "4:18: options/pre_action_hook/action: must be an action name: lower-case letters and digits only, got "Collect"",
      ]
    `);
  });
});
