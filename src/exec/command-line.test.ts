import { describe, expect, it } from "vitest";
import { Secret } from "../log/secret.js";
import { formatCommandLine, pythonRepr, redactArgs } from "./command-line.js";
import { CEDAR_LOCALE_VARIABLES, sanitizeEnvironment } from "./environment.js";

describe("pythonRepr", () => {
  it.each([
    ["plain", "'plain'"],
    ["", "''"],
    ["it's", `"it's"`],
    [`a'b"c`, `'a\\'b"c'`],
    ['say "x"', `'say "x"'`],
    ["back\\slash", "'back\\\\slash'"],
    ["line\nbreak\ttab\rcr", "'line\\nbreak\\ttab\\rcr'"],
    ["nul\u0000bell\u0007del\u007f", "'nul\\x00bell\\x07del\\x7f'"],
    ["café 東京 😀", "'café 東京 😀'"],
    ["zero\u200bwidth", "'zero\\u200bwidth'"],
    ["nbsp\u00a0", "'nbsp\\xa0'"],
  ])("%j -> %s", (text, expected) => {
    expect(pythonRepr(text)).toBe(expected);
  });
});

describe("formatCommandLine", () => {
  it("reads like Cedar's output log line", () => {
    expect(formatCommandLine("echo", ["hello world", "x"])).toBe(
      "Executing command ['echo'] with args ['hello world', 'x'].",
    );
    expect(formatCommandLine("/bin/true", [])).toBe(
      "Executing command ['/bin/true'] with args [].",
    );
  });
});

describe("redactArgs", () => {
  it("replaces each occurrence of every secret, longest first", () => {
    const secrets = [new Secret("pw"), new Secret("pwlong"), new Secret("")];
    expect(redactArgs(["-u", "x", "--password=pwlong", "pw:pw"], secrets)).toEqual([
      "-u",
      "x",
      "--password=**redacted**",
      "**redacted**:**redacted**",
    ]);
  });

  it("copies the arguments unchanged without secrets", () => {
    const args = ["a", "b"];
    const shown = redactArgs(args, undefined);
    expect(shown).toEqual(args);
    expect(shown).not.toBe(args);
  });
});

describe("sanitizeEnvironment", () => {
  it("drops every Cedar locale variable and forces LANG to C", () => {
    const base = Object.fromEntries(CEDAR_LOCALE_VARIABLES.map((name) => [name, "fr_FR.UTF-8"]));
    expect(
      sanitizeEnvironment({ ...base, LANG: "fr_FR.UTF-8", LANGUAGE: "fr", HOME: "/root" }),
    ).toEqual({
      LANG: "C",
      LANGUAGE: "fr",
      HOME: "/root",
    });
  });

  it("leaves LANG unset when unset and lets the invocation add or override variables", () => {
    expect(
      sanitizeEnvironment({ HOME: "/h", UNSET: undefined }, { LC_ALL: "C.UTF-8", HOME: "/x" }),
    ).toEqual({
      HOME: "/x",
      LC_ALL: "C.UTF-8",
    });
  });

  it("keeps the exact list of upstream LOCALE_VARS", () => {
    expect(CEDAR_LOCALE_VARIABLES).toHaveLength(13);
    expect(CEDAR_LOCALE_VARIABLES).not.toContain("LANG");
    expect(CEDAR_LOCALE_VARIABLES).not.toContain("LANGUAGE");
  });
});
