import { describe, expect, it } from "vitest";
import { formatConfigIssue } from "../../errors/cback-error.js";
import { parseXml } from "./parse-xml.js";

const render = (text: string) => parseXml(text, "/etc/cback.conf").issues.map(formatConfigIssue);

describe("parseXml", () => {
  it("keeps positions, paths (indexed only when repeated) and Cedar's first-text-node value", () => {
    const { root, issues } = parseXml(
      "<cb_config>\n  <a><!--c-->/x&amp;y</a>\n  <b><![CDATA[zz]]></b>\n  <p/><p>two</p>\n</cb_config>",
    );
    expect(issues).toEqual([]);
    expect(root?.children.map((c) => [c.path, c.text, c.line, c.column])).toEqual([
      ["a", "/x&y", 2, 3],
      ["b", undefined, 3, 3],
      ["p[1]", undefined, 4, 3],
      ["p[2]", "two", 4, 7],
    ]);
  });

  it.each([
    [
      "an internal DTD with an entity (the XML-bomb shape)",
      '<?xml version="1.0"?>\n<!DOCTYPE cb_config [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n<cb_config><options>&b;</options></cb_config>',
    ],
    [
      "an external entity",
      '<?xml version="1.0"?>\n<!DOCTYPE cb_config [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<cb_config>&x;</cb_config>',
    ],
    ["a bare DOCTYPE", '<!DOCTYPE cb_config SYSTEM "cback.dtd">\n<cb_config/>'],
  ])("refuses %s", (_what, text) => {
    const { root, issues } = parseXml(text, "/etc/cback.conf");
    expect(root).toBeUndefined();
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(/^document type declarations \(<!DOCTYPE>\) are refused/);
    expect(issues[0]?.line).toBe(text.startsWith("<?xml") ? 2 : 1);
  });

  it.each([
    [
      "<cb_config><a></cb_config>",
      '/etc/cback.conf:1:12: unable to parse XML document: Opening and ending tag mismatch: "a" != "cb_config"',
    ],
    [
      "<cb_config>",
      "/etc/cback.conf:1:1: unable to parse XML document: unclosed xml tag(s): cb_config",
    ],
    [
      "<cb_config x=1/>",
      '/etc/cback.conf:1:1: unable to parse XML document: attribute "1" missed quot(")!',
    ],
    [
      "<cb_config>&nope;</cb_config>",
      "/etc/cback.conf:1:1: unable to parse XML document: entity not found:&nope;",
    ],
    ["", "/etc/cback.conf:1:1: unable to parse XML document: the file is empty"],
  ])("malformed %j is one issue with its position", (text, rendered) => {
    expect(render(text)).toEqual([rendered]);
  });
});
