import { describe, expect, it } from "vitest";
import { compilePythonPattern, translatePythonRegex } from "./python-regex.js";

function matches(pattern: string, path: string): boolean {
  const compiled = compilePythonPattern(pattern);
  if (!compiled.ok) throw new Error(`${pattern}: ${compiled.reason}`);
  return compiled.regex.test(path);
}

function rejection(pattern: string): string {
  const compiled = compilePythonPattern(pattern);
  if (compiled.ok) throw new Error(`${pattern} was accepted as /${compiled.regex.source}/`);
  return compiled.reason;
}

describe("compilePythonPattern matches like re.match('^' + pattern + '$', path)", () => {
  // Every expectation below was produced by CPython 3.11's re module.
  it.each<[string, string, boolean]>([
    [".*tmp.*", "/var/tmp/x", true],
    [".*tmp.*", "/home/user/file", false],
    [".*\\.netscape\\/.*", "/home/u/.netscape/cache", true],
    [".*\\.netscape\\/.*", "/home/u/xnetscape/cache", false],
    ["/etc|/var", "/etc/x", true],
    ["/etc|/var", "/var", true],
    ["/etc|/var", "/x/var/y", false],
    ["/etc|/var", "/x/var", false],
    ["/etc|/var", "/var/y", false],
    ["/home/.*/\\.cache", "/home/a/.cache", true],
    ["/home/.*/\\.cache", "/home/a/.cache/x", false],
    [".*\\.(o|pyc)", "/src/a.pyc", true],
    [".*\\.(o|pyc)", "/src/a.py", false],
    ["/tmp/x", "/tmp/x\n", true],
    ["/tmp/x", "/tmp/x\n\n", false],
    ["/tmp/x\\Z", "/tmp/x\n", false],
    ["/tmp/x\\Z", "/tmp/x", true],
    ["\\A/tmp", "/tmp", true],
    [".*", "a\nb", false],
    ["(?s:.*)", "a\nb", true],
    ["(?m:a$\\n)b", "a\nb", true],
    ["a\\n(?m:^b)", "a\nb", true],
    ["(?P<d>[a-z]+)/(?P=d)", "abc/abc", true],
    ["(?P<d>[a-z]+)/(?P=d)", "abc/abd", false],
    ["(a)(b)\\2\\1", "abba", true],
    ["(a)\\1(?:0)", "aa0", true],
    ["\\d+", "123", true],
    ["\\d+", "١٢٣", true],
    ["(?a:\\d+)", "١٢٣", false],
    ["\\w+", "café", true],
    ["(?a:\\w+)", "café", false],
    ["\\w", "\u0301", false],
    ["\\s", "\u00a0", true],
    ["\\s", "\u001c", true],
    ["\\s", "\ufeff", false],
    ["(?a:\\s)", "\u00a0", false],
    ["[^\\W\\d]+", "abc", true],
    ["[^\\W\\d]+", "ab1", false],
    ["[\\W\\d]+", "-1-", true],
    ["[\\w-]+", "a-b", true],
    ["[]a]+", "]a]", true],
    ["[^]a]", "b", true],
    ["[a-]+", "a-", true],
    ["[\\]]", "]", true],
    ["[\\b]", "\b", true],
    [".", "\r", true],
    [".", "\n", false],
    ["\\x41\\101\\u0041\\U00000041", "AAAA", true],
    ["\\0", "\u0000", true],
    ["\\-\\/", "-/", true],
    ["\\é", "é", true],
    ["a\\b.*", "a b", true],
    ["a\\b.*", "ab", false],
    ["é\\b", "é", true],
    ["(?a:é\\b)", "é", false],
    ["a\\B.*", "ab", true],
    ["a{2}", "aa", true],
    ["a{,2}", "", true],
    ["a{2,}", "aaaa", true],
    ["a{}", "a{}", true],
    ["a{x}", "a{x}", true],
    ["a{1", "a{1", true],
    ["{", "{", true],
    ["a{,}", "aaa", true],
    ["a*?b", "aab", true],
    ["(?=/home).*", "/home/x", true],
    ["(?!/home).*", "/home/x", false],
    [".*(?<=\\.log)", "/a.log", true],
    [".*(?<!\\.log)", "/a.log", false],
    ["(?i:.*\\.JPG)", "/p/a.jpg", true],
    ["(?i:k)", "\u212a", true],
    ["(?i:s)", "\u017f", true],
    ["(?i:i)", "\u0130", true],
    ["(?ai:k)", "\u212a", false],
    ["(?i:[a-c]+)", "AbC", true],
    ["(?i:[^a])", "A", false],
    ["(?x: a b # comment\n c)", "abc", true],
    ["(?x:a\\ b)", "a b", true],
    ["(?x:[ ]a)", " a", true],
    ["(?#note).*x", "yx", true],
  ])("%j against %j -> %s", (pattern, path, expected) => {
    expect(matches(pattern, path)).toBe(expected);
  });

  it("keeps Cedar's alternation leak: /etc|/var excludes everything starting with /etc", () => {
    expect(matches("/etc|/var", "/etcetera/passwd")).toBe(true);
    expect(matches("/etc|/var", "/var")).toBe(true);
    expect(matches("/etc|/var", "/x/var/y")).toBe(false);
  });

  it("accepts a trailing backslash, which escapes Cedar's appended $", () => {
    expect(matches("/tmp/a\\", "/tmp/a$")).toBe(true);
    expect(matches("/tmp/a\\", "/tmp/a")).toBe(false);
  });

  it("returns the original pattern as source and a reusable (stateless) regex", () => {
    const compiled = compilePythonPattern(".*\\.tmp");
    expect(compiled.ok && compiled.source).toBe(".*\\.tmp");
    if (!compiled.ok) return;
    expect([compiled.regex.test("/a.tmp"), compiled.regex.test("/a.tmp")]).toEqual([true, true]);
  });
});

describe("compilePythonPattern rejects what Python rejects, with Python's message", () => {
  it.each<[string, string]>([
    ["\\q", "bad escape \\q at position 0"],
    ["\\c", "bad escape \\c at position 0"],
    ["\\p{L}", "bad escape \\p at position 0"],
    ["[\\A]", "bad escape \\A at position 1"],
    ["[\\8]", "bad escape \\8 at position 1"],
    ["[a", "unterminated character set at position 0"],
    ["[]", "unterminated character set at position 0"],
    ["(", "missing ), unterminated subpattern at position 0"],
    [")", "unbalanced parenthesis at position 0"],
    ["a**", "multiple repeat at position 2"],
    ["*", "nothing to repeat at position 0"],
    ["{2}", "nothing to repeat at position 0"],
    ["a{3,2}", "min repeat greater than max repeat at position 2"],
    ["(?P<1a>x)", "bad character in group name '1a' at position 4"],
    ["(?P<a>x)(?P<a>y)", "redefinition of group name 'a' as group 2; was group 1 at position 12"],
    ["(?P=b)", "unknown group name 'b' at position 4"],
    ["(a\\1)", "cannot refer to an open group at position 2"],
    ["\\1", "invalid group reference 1 at position 1"],
    ["\\400", "octal escape value \\400 outside of range 0-0o377 at position 0"],
    ["\\x4", "incomplete escape \\x4 at position 0"],
    ["\\u12", "incomplete escape \\u12 at position 0"],
    ["\\U00110000", "bad escape \\U00110000 at position 0"],
    ["[z-a]", "bad character range z-a at position 1"],
    ["[\\d-z]", "bad character range \\d-z at position 1"],
    ["(?<=a+)", "look-behind requires fixed-width pattern at position 0"],
    ["(?<=a|bc)", "look-behind requires fixed-width pattern at position 0"],
    [
      "(?<=(a)\\1)",
      "cannot refer to group defined in the same lookbehind subpattern at position 9",
    ],
    ["(?<n>a)", "unknown extension ?<n at position 1"],
    ["(?Px)", "unknown extension ?Px at position 1"],
    ["(?z)", "unknown extension ?z at position 1"],
    ["(?L:x)", "bad inline flags: cannot use 'L' flag with a str pattern at position 3"],
    ["(?-a:x)", "bad inline flags: cannot turn off flags 'a', 'u' and 'L' at position 4"],
    ["(?au:x)", "bad inline flags: flags 'a', 'u' and 'L' are incompatible at position 4"],
    ["(?i-i:x)", "bad inline flags: flag turned on and off at position 5"],
    ["(?#open", "missing ), unterminated comment at position 0"],
  ])("%j: %s", (pattern, reason) => {
    expect(rejection(pattern)).toBe(reason);
  });

  it("explains that Cedar's ^ prefix makes leading inline flags invalid", () => {
    expect(rejection("(?i).*\\.jpg")).toBe(
      'global flags not at the start of the expression at position 0 (Cedar matches "^" + pattern + "$", so Python rejects inline flags here; write (?i:...) around the pattern instead)',
    );
    expect(rejection("x|(?i)y")).toContain("at position 2");
  });
});

describe("compilePythonPattern rejects what JavaScript cannot express, naming the construct", () => {
  it.each<[string, string]>([
    ["x*+", "possessive quantifier *+ at position 1"],
    ["a{1,2}+", "possessive quantifier {1,2}+ at position 1"],
    ["(?>x)", "atomic group (?>...) at position 0"],
    ["\\N{EM DASH}", "named character escape \\N{EM DASH} at position 0"],
    ["(a)(?(1)a|b)", "conditional group (?(...)...) at position 3"],
    ["(a)?b\\1", "backreference to group 1 at position 5"],
    ["(?:(a)|b)\\1", "backreference to group 1 at position 9"],
    ["x(?i:é)", "case-insensitive match of non-ASCII letters at position 5"],
    ["x(?i:(a)\\1)", "case-insensitive backreference at position 8"],
    ["(?t:a)", "the TEMPLATE flag (?t) at position 0"],
  ])("%j: %s", (pattern, construct) => {
    const reason = rejection(pattern);
    expect(reason.startsWith(`${construct} is not supported: `)).toBe(true);
  });

  it("says why Python 3.11 syntax is refused", () => {
    expect(rejection("(?>x)")).toBe(
      "atomic group (?>...) at position 0 is not supported: Python 3.11 syntax that JavaScript regular expressions cannot express",
    );
  });
});

describe("translatePythonRegex", () => {
  it.each<[string, string, string]>([
    ["(?P<n>a)(?P=n)", "(?<n>a)(?:\\1)", "u"],
    ["(?i)ab", "[aA][bB]", "u"],
    ["(?i)k", "[kK\u212a]", "u"],
    ["(?ai)k", "[kK]", "u"],
    ["(?i)é", "é", "iu"],
    ["(?x)a b # comment", "ab", "u"],
    ["(?s).", "[\\s\\S]", "u"],
    [".", "[^\\n]", "u"],
    ["\\A\\Z", "^$", "u"],
    ["a$", "a(?=\\n?$)", "u"],
    ["(?m)^a$", "(?<![^\\n])a(?=\\n|$)", "u"],
    ["(?a)\\d\\s", "[0-9][\\u{9}-\\u{d} ]", "u"],
    ["\\d", "\\p{Nd}", "u"],
    ["a{,3}", "a{0,3}", "u"],
    ["[^\\W\\d]", "(?:(?![\\p{Nd}]|[^\\p{L}\\p{N}_])[\\s\\S])", "u"],
  ])("%j -> /%s/%s", (python, source, flags) => {
    expect(translatePythonRegex(python)).toEqual({ ok: true, source, flags });
  });

  it("applies MULTILINE and DOTALL like Python", () => {
    const search = (python: string, text: string): boolean => {
      const translated = translatePythonRegex(python);
      if (!translated.ok) throw new Error(translated.reason);
      return new RegExp(translated.source, translated.flags).test(text);
    };
    expect(search("(?m)^b$", "a\nb\nc")).toBe(true);
    expect(search("^b$", "a\nb\nc")).toBe(false);
    expect(search("(?m)^b", "a\rb")).toBe(false);
    expect(search("a.b", "a\rb")).toBe(true);
    expect(search("a.b", "a\nb")).toBe(false);
    expect(search("(?s)a.b", "a\nb")).toBe(true);
  });

  it("reports the origin of a failure", () => {
    expect(translatePythonRegex("(?L)a")).toMatchObject({ ok: false, origin: "python" });
    expect(translatePythonRegex("(?a)(?u)a")).toEqual({
      ok: false,
      origin: "python",
      reason: "ASCII and UNICODE flags are incompatible at position 0",
    });
    expect(translatePythonRegex("(?>a)")).toMatchObject({ ok: false, origin: "unsupported" });
    expect(translatePythonRegex("ab\\")).toMatchObject({
      ok: false,
      reason: "bad escape (end of pattern) at position 2",
    });
  });

  it("accepts global flags at the start only", () => {
    expect(translatePythonRegex("(?i)(?s)a").ok).toBe(true);
    expect(translatePythonRegex("a(?i)")).toMatchObject({
      ok: false,
      reason: "global flags not at the start of the expression at position 1",
    });
  });
});
