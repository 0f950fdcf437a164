import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { ExtendedAction } from "../config/types.js";
import { ActionError } from "../errors/cback-error.js";
import { silentLogger } from "../log/logger.js";
import { parseXml } from "../config/xml/parse-xml.js";
import type { ExtensionContext } from "./extension.js";
import { builtinExtensions, findBuiltinExtension, resolveExtensions } from "./registry.js";

const RECORD = resolve("test/fixtures/extensions/record.mjs");
const action = (name: string, module: string, fn: string): ExtendedAction => ({
  name,
  module,
  function: fn,
  index: 1,
  location: { path: "extensions/action", line: 3, column: 7 },
});

describe("findBuiltinExtension", () => {
  it.each([
    ["CedarBackup3.extend.mysql", "mysql"],
    ["CedarBackup2.extend.mysql", "mysql"],
    ["CedarBackup3.extend.sysinfo", "sysinfo"],
    ["CedarBackup3.extend.amazons3", "amazons3"],
    ["CedarBackup2.extend.split", "split"],
  ])("%s is the built-in %s", (module, name) => {
    expect(findBuiltinExtension(module)?.name).toBe(name);
  });

  it.each([
    "CedarBackup3.extend.nosuch",
    "CedarBackup3.mysql",
    "mysql",
    "cedarbackup3.extend.mysql",
  ])("%s is not a built-in", (module) => {
    expect(findBuiltinExtension(module)).toBeUndefined();
  });

  it("lists the nine official extensions", () => {
    expect(builtinExtensions.map((ext) => ext.name).sort()).toEqual(
      [
        "amazons3",
        "capacity",
        "encrypt",
        "mbox",
        "mysql",
        "postgresql",
        "split",
        "subversion",
        "sysinfo",
      ].sort(),
    );
  });
});

describe("resolveExtensions", () => {
  it("maps Cedar's module names to built-ins", async () => {
    const { resolved, issues } = await resolveExtensions([
      action("database", "CedarBackup3.extend.mysql", "executeAction"),
      action("svn", "CedarBackup2.extend.subversion", "executeAction"),
    ]);
    expect(issues).toEqual([]);
    expect(resolved.get("database")).toMatchObject({ kind: "builtin", name: "database" });
    expect(resolved.get("svn")).toMatchObject({ kind: "builtin" });
  });

  it("loads an ES module by absolute path and finds the named export", async () => {
    const { resolved, issues } = await resolveExtensions([action("a", RECORD, "a")]);
    expect(issues).toEqual([]);
    expect(resolved.get("a")).toMatchObject({ kind: "module", specifier: RECORD });
  });

  it("reports every unresolvable entry with its position", async () => {
    const { resolved, issues } = await resolveExtensions([
      action("one", "CedarBackup3.extend.nosuch", "executeAction"),
      action("two", "CedarBackup3.extend.mysql", "doIt"),
      action("three", "/nonexistent/ext.mjs", "run"),
      action("four", RECORD, "notAFunction"),
      action("five", RECORD, "missing"),
      action("six", "something.whatever", "example"),
    ]);
    expect(resolved.size).toBe(0);
    expect(issues.map((issue) => [issue.line, issue.column])).toEqual(Array(6).fill([3, 7]));
    const messages = issues.map((issue) => issue.message);
    expect(messages[0]).toMatch(
      /^unknown Cedar extension module "CedarBackup3.extend.nosuch": the official ones are CedarBackup3.extend.sysinfo, /,
    );
    expect(messages[1]).toBe(
      'module "CedarBackup3.extend.mysql" has no function "doIt": use <function>executeAction</function>',
    );
    expect(messages[2]).toMatch(
      /^cannot load extension module "\/nonexistent\/ext.mjs": .*; give an absolute path/,
    );
    expect(messages[3]).toBe(
      `extension module "${RECORD}" has no exported function "notAFunction"`,
    );
    expect(messages[4]).toBe(`extension module "${RECORD}" has no exported function "missing"`);
    expect(messages[5]).toMatch(/^cannot load extension module "something.whatever"/);
  });

  it("a built-in that is not implemented yet fails when run, saying so", async () => {
    const { resolved } = await resolveExtensions([
      action("mysql", "CedarBackup3.extend.mysql", "executeAction"),
    ]);
    const ext = resolved.get("mysql");
    const root = parseXml(
      "<cb_config><mysql><compress_mode>gzip</compress_mode><all>Y</all></mysql></cb_config>",
    ).root;
    const ctx = {
      logger: silentLogger,
      root,
      configPath: "/etc/cback.conf",
    } as unknown as ExtensionContext;
    await expect(ext?.run(ctx)).rejects.toThrow(ActionError);
    await expect(ext?.run(ctx)).rejects.toThrow(/the mysql extension is not implemented yet/);
  });
});

describe("running a built-in extension", () => {
  it("enforces its section first: a broken section fails the action with every problem", async () => {
    const { resolved } = await resolveExtensions([
      action("mysql", "CedarBackup3.extend.mysql", "executeAction"),
    ]);
    const root = parseXml(
      "<cb_config>\n<mysql>\n<all>maybe</all>\n</mysql>\n</cb_config>",
      "/etc/cback.conf",
    ).root;
    const ctx = {
      logger: silentLogger,
      root,
      configPath: "/etc/cback.conf",
    } as unknown as ExtensionContext;
    const failure = resolved.get("mysql")?.run(ctx);
    await expect(failure).rejects.toThrow(ActionError);
    await expect(failure).rejects.toThrow(
      /the <mysql> section is not valid:\n\/etc\/cback.conf:3:1: mysql\/all: /,
    );
  });
});
