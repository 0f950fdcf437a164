import { describe, expect, it } from "vitest";
import { formatConfigIssue } from "../../errors/cback-error.js";
import { parseXml } from "./parse-xml.js";
import type { XmlNode } from "./xml-node.js";

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

  const positions = (text: string) => {
    const { root, issues } = parseXml(text);
    expect(issues).toEqual([]);
    const out: [string, number | undefined, number | undefined][] = [];
    const walk = (node: XmlNode) => {
      out.push([node.path, node.line, node.column]);
      node.children.forEach(walk);
    };
    if (root !== undefined) walk(root);
    return out;
  };

  it.each([
    [
      "after multi-line text",
      "<cb_config>\n  <a>line1\nline2\n  </a><b/>\n  text\n   more <c/></cb_config>",
      [
        ["", 1, 1],
        ["a", 2, 3],
        ["b", 4, 7],
        ["c", 6, 9],
      ],
    ],
    [
      "after comments and processing instructions",
      "<cb_config><!-- a\ncomment\n--><a/>  <!--x--><b/>\n<?pi x\ny?><c/></cb_config>",
      [
        ["", 1, 1],
        ["a", 3, 4],
        ["b", 3, 18],
        ["c", 5, 4],
      ],
    ],
    [
      "with attributes spanning lines",
      '<cb_config>\n  <a x="1"\n     y="2"\n  ><b/></a><c\n z="3"/><d/></cb_config>',
      [
        ["", 1, 1],
        ["a", 2, 3],
        ["a/b", 4, 4],
        ["c", 4, 12],
        ["d", 5, 9],
      ],
    ],
    [
      "after tabs (one column each)",
      "<cb_config>\n\t<a/>\t\t<b/></cb_config>",
      [
        ["", 1, 1],
        ["a", 2, 2],
        ["b", 2, 8],
      ],
    ],
    [
      "with CRLF and CR line ends",
      "<cb_config>\r\n  <a>x\r\ny</a>\r\n  <b/>\r<c/>\r\r<d/></cb_config>",
      [
        ["", 1, 1],
        ["a", 2, 3],
        ["b", 4, 3],
        ["c", 5, 1],
        ["d", 7, 1],
      ],
    ],
    [
      "after characters outside the BMP (two UTF-16 units, two columns)",
      '<cb_config>\n  <a>\u{1F600}\u{1F600}</a><b/>\n  \u{1F600}<c x="\u{1F600}"/><d/></cb_config>',
      [
        ["", 1, 1],
        ["a", 2, 3],
        ["b", 2, 14],
        ["c", 3, 5],
        ["d", 3, 16],
      ],
    ],
    [
      "after an XML declaration and a CDATA section",
      '<?xml version="1.0"?>\n<cb_config><![CDATA[\nzz\n]]><a/></cb_config>',
      [
        ["", 2, 1],
        ["a", 4, 4],
      ],
    ],
  ])("keeps positions %s", (_what, text, expected) => {
    expect(positions(text)).toEqual(expected);
  });

  it.each([
    ["<a>x<!--c-->y</a>", "x"],
    ["<a>x<?pi?>y</a>", "x"],
    ["<a>x<![CDATA[z]]>y</a>", "x"],
    ["<a><![CDATA[z]]>y</a>", "y"],
    ["<a><![CDATA[z]]></a>", undefined],
    ["<a>x<![CDATA[]]>y</a>", "xy"],
    ["<a><![CDATA[]]></a>", undefined],
    ["<a><!--c--></a>", undefined],
    ["<a></a>", undefined],
    ["<a><b/>tail</a>", "tail"],
    ["<options>\n  <x/></options>", "\n  "],
    ["<a>\t</a>", "\t"],
    ["<a> x&amp;y&lt;&gt;&apos;&quot;&#65;&#x1F600; </a>", " x&y<>'\"A\u{1F600} "],
    ["<a>&#38;amp;</a>", "&amp;"],
    ["<a>x\r\ny\rz&#13;\r\n</a>", "x\ny\nz\r\n"],
  ])("takes the first text node of %j as its value", (text, value) => {
    const { root, issues } = parseXml(text);
    expect(issues).toEqual([]);
    expect(root?.text).toBe(value);
  });

  it("reads attributes with their values normalised as XML requires", () => {
    const { root } = parseXml("<a b='x\r\ny\tz' c=\"&#13;&#10;&#9; &lt;&amp;\" d=''/>");
    expect(root?.attrs).toEqual({ b: "x y z", c: "\r\n\t <&", d: "" });
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

  // expat, Cedar's parser, refuses all of these; xmldom accepted the last four.
  it.each([
    [
      "an unquoted attribute value",
      "<cb_config\n  x=1/>",
      "2:5: unable to parse XML document: unquoted attribute value",
    ],
    [
      "a missing attribute value",
      "<cb_config x/>",
      "1:13: unable to parse XML document: attribute without value",
    ],
    [
      "a duplicate attribute",
      '<cb_config x="1" x="2"/>',
      "1:24: unable to parse XML document: duplicate attribute: x",
    ],
    [
      "a < in an attribute value",
      '<cb_config x="<"/>',
      '1:15: unable to parse XML document: "<" in an attribute value: write it as &lt;',
    ],
    [
      "attributes without whitespace between them",
      '<cb_config x="1"y="2"/>',
      "1:17: unable to parse XML document: no whitespace between attributes",
    ],
    [
      "an undefined entity",
      "<cb_config>\n  <a>\u{1F600}&nope;</a></cb_config>",
      "2:8: unable to parse XML document: undefined entity &nope; (XML defines only &amp; &lt; &gt; &apos; &quot;)",
    ],
    [
      "an undefined entity in an attribute value",
      '<cb_config x="&nope;"/>',
      "1:15: unable to parse XML document: undefined entity &nope; (XML defines only &amp; &lt; &gt; &apos; &quot;)",
    ],
    [
      "a bad character reference",
      "<cb_config>&#xZZ;</cb_config>",
      "1:12: unable to parse XML document: malformed character reference &#xZZ;",
    ],
    [
      "an entity without ;",
      "<cb_config><a>&amp</a>\n</cb_config>",
      '1:15: unable to parse XML document: unescaped "&": write it as &amp;',
    ],
    [
      "a mismatched closing tag",
      "<cb_config><a></cb_config>",
      "1:15: unable to parse XML document: closing tag </cb_config> does not match <a> opened at 1:12",
    ],
    [
      "crossed tags",
      "<cb_config>\n  <a><b></a></b></cb_config>",
      "2:9: unable to parse XML document: closing tag </a> does not match <b> opened at 2:6",
    ],
    [
      "a closing tag without a start tag",
      "<cb_config/>\n</cb_config>",
      "2:12: unable to parse XML document: unmatched closing tag: cb_config",
    ],
    [
      "an unclosed root",
      "<cb_config>",
      "1:1: unable to parse XML document: unclosed tag <cb_config>",
    ],
    [
      "an unclosed tag",
      "<cb_config>\n  <a>\n    <b/>\n",
      "2:3: unable to parse XML document: unclosed tag <a>",
    ],
    [
      "an unfinished start tag",
      "<cb_config>\n  <a x='1'",
      '2:3: unable to parse XML document: start tag not finished (no ">")',
    ],
    [
      "an unfinished closing tag",
      "<cb_config></cb_config",
      '1:12: unable to parse XML document: closing tag not finished (no ">")',
    ],
    [
      "an unclosed comment",
      "<cb_config>\n  <!-- <a/>\n</cb_config>",
      '2:3: unable to parse XML document: comment not closed (no "-->")',
    ],
    [
      "an unclosed CDATA section",
      "<cb_config><![CDATA[x</cb_config>",
      '1:12: unable to parse XML document: CDATA section not closed (no "]]>")',
    ],
    [
      "-- inside a comment",
      "<cb_config><!-- x -- y --></cb_config>",
      '1:19: unable to parse XML document: "--" inside a comment',
    ],
    [
      "markup that is not a comment",
      "<cb_config><!x></cb_config>",
      '1:12: unable to parse XML document: "<!" that starts neither a comment nor a CDATA section',
    ],
    [
      "text after the root element",
      "<cb_config/>\n  tail",
      "2:3: unable to parse XML document: text outside the root element",
    ],
    [
      "text before the root element",
      "junk<cb_config/>",
      "1:1: unable to parse XML document: text outside the root element",
    ],
    [
      "two root elements",
      "<cb_config/>\n<cb_config/>",
      "2:1: unable to parse XML document: a second root element (a document has only one)",
    ],
    [
      "no root element",
      "<!-- only a comment -->",
      "1:23: unable to parse XML document: document must contain a root element",
    ],
    [
      "a bad element name",
      "<cb_config><1a/></cb_config>",
      "1:13: unable to parse XML document: disallowed character in tag name",
    ],
    [
      "an XML declaration not at the start",
      '\n<?xml version="1.0"?><cb_config/>',
      "2:6: unable to parse XML document: an XML declaration must be at the start of the document",
    ],
    [
      "a DOCTYPE after the root element",
      "<cb_config/>\n<!DOCTYPE cb_config>",
      "2:1: document type declarations (<!DOCTYPE>) are refused: they allow entity expansion attacks; remove the DOCTYPE line",
    ],
    [
      "a bare &",
      "<cb_config><a>/srv/a&b</a></cb_config>",
      '1:21: unable to parse XML document: unescaped "&": write it as &amp;',
    ],
    [
      "a reference to character 0",
      "<cb_config>&#0;</cb_config>",
      "1:12: unable to parse XML document: malformed character reference &#0;",
    ],
    [
      "a control character",
      "<cb_config>\u0001</cb_config>",
      "1:12: unable to parse XML document: character U+0001 is not allowed in XML",
    ],
    [
      "]]> in text",
      "<cb_config>]]></cb_config>",
      '1:14: unable to parse XML document: the string "]]>" is disallowed in char data',
    ],
    ["an empty file", " \n", "1:1: unable to parse XML document: the file is empty"],
  ])("refuses %s with one issue at its position", (_what, text, rendered) => {
    expect(parseXml(text, "/etc/cback.conf").root).toBeUndefined();
    expect(render(text)).toEqual([`/etc/cback.conf:${rendered}`]);
  });

  it("accepts a leading byte order mark (not counted in columns) and declared prefixes", () => {
    const { root, issues } = parseXml(
      "\uFEFF<cb_config xmlns:x='urn:x'><x:a x:b='1' c='2'/></cb_config>",
    );
    expect(issues).toEqual([]);
    expect([root?.line, root?.column, root?.attrs]).toEqual([1, 1, { "xmlns:x": "urn:x" }]);
    expect(root?.children.map((c) => [c.name, c.attrs, c.column])).toEqual([
      ["x:a", { "x:b": "1", c: "2" }, 28],
    ]);
  });

  it.each([
    ["an element", "<cb_config>\n  <x:a/>\n</cb_config>", "2:3", "x"],
    ["an attribute", "<cb_config>\n  <a y:b='1'/>\n</cb_config>", "2:3", "y"],
  ])("refuses an undeclared namespace prefix on %s, as minidom does", (_what, text, at, prefix) => {
    expect(render(text)).toEqual([
      `/etc/cback.conf:${at}: unable to parse XML document: undeclared namespace prefix "${prefix}" (declare it with xmlns:${prefix}="...", or remove it)`,
    ]);
  });
});
