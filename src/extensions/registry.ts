/**
 * The explicit list of built-in extensions, and how an `<extensions><action>` entry of a
 * configuration resolves to code: Cedar's module names (`CedarBackup3.extend.mysql` +
 * `executeAction`, and the `CedarBackup2.` spellings) map to the built-ins, anything else is
 * an ES module specifier plus the name of an exported function.
 */
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import type { SectionReader } from "../config/section-reader.js";
import type { ExtendedAction } from "../config/types.js";
import { createReadContext } from "../config/xml/read-fields.js";
import { firstChild } from "../config/xml/xml-node.js";
import { ActionError, formatConfigIssue, type ConfigIssue } from "../errors/cback-error.js";
import { amazons3SectionReader } from "./amazons3/config.js";
import { capacitySectionReader } from "./capacity/config.js";
import { encryptSectionReader } from "./encrypt/config.js";
import type { ExtensionFunction } from "./extension.js";
import { mboxSectionReader } from "./mbox/config.js";
import { mysqlSectionReader } from "./mysql/config.js";
import { postgresqlSectionReader } from "./postgresql/config.js";
import { splitSectionReader } from "./split/config.js";
import { subversionSectionReader } from "./subversion/config.js";

/** A built-in extension. */
export interface BuiltinExtension {
  /** Short name, as in Cedar's module name (`mysql`). */
  readonly name: string;
  /** Reader of the extension's own section, when it has one. */
  readonly section?: SectionReader;
  /** External programs the extension runs (for `validate`). */
  readonly programs: readonly string[];
  /** The action; undefined while this version does not implement it yet. */
  readonly run?: ExtensionFunction;
}

const CEDAR_FUNCTION = "executeAction";
const CEDAR_PREFIXES = ["CedarBackup3.extend.", "CedarBackup2.extend."] as const;

/** Every official Cedar extension. */
export const builtinExtensions: readonly BuiltinExtension[] = [
  { name: "sysinfo", programs: ["/usr/bin/dpkg", "/sbin/fdisk", "ls"] },
  { name: "mysql", section: mysqlSectionReader, programs: ["mysqldump"] },
  { name: "postgresql", section: postgresqlSectionReader, programs: ["pg_dump", "pg_dumpall"] },
  { name: "subversion", section: subversionSectionReader, programs: ["svnlook", "svnadmin"] },
  { name: "mbox", section: mboxSectionReader, programs: ["grepmail"] },
  { name: "encrypt", section: encryptSectionReader, programs: ["gpg"] },
  { name: "split", section: splitSectionReader, programs: ["split"] },
  { name: "capacity", section: capacitySectionReader, programs: [] },
  { name: "amazons3", section: amazons3SectionReader, programs: ["su", "aws"] },
];

/** Section readers of all built-in extensions, for loading and writing configurations. */
export const builtinSectionReaders: readonly SectionReader[] = builtinExtensions.flatMap((ext) =>
  ext.section === undefined ? [] : [ext.section],
);

/** The built-in extension a Cedar module name denotes, if any. */
export function findBuiltinExtension(module: string): BuiltinExtension | undefined {
  const prefix = CEDAR_PREFIXES.find((p) => module.startsWith(p));
  if (prefix === undefined) return undefined;
  const name = module.slice(prefix.length);
  return builtinExtensions.find((ext) => ext.name === name);
}

/** How an extended action resolved. */
export type ResolvedExtension =
  | {
      readonly kind: "builtin";
      readonly name: string;
      readonly builtin: BuiltinExtension;
      readonly run: ExtensionFunction;
    }
  | {
      readonly kind: "module";
      readonly name: string;
      readonly specifier: string;
      readonly run: ExtensionFunction;
    };

/**
 * A built-in extension as run: first its own section is read and enforced (Cedar checks an
 * extension's section only when that extension runs), then its action.
 */
function runBuiltin(ext: BuiltinExtension): ExtensionFunction {
  return async (ctx) => {
    if (ext.section !== undefined) {
      const readCtx = createReadContext(ctx.configPath);
      ext.section.read(firstChild(ctx.root, ext.section.section), readCtx);
      const errors = readCtx.issues.filter((issue) => issue.severity === "error");
      if (errors.length > 0) {
        throw new ActionError(
          ext.name,
          `the <${ext.section.section}> section is not valid:\n${errors.map(formatConfigIssue).join("\n")}`,
        );
      }
    }
    if (ext.run === undefined) {
      throw new ActionError(
        ext.name,
        `the ${ext.name} extension is not implemented yet in this version of cedar-backup; ` +
          `run it with Cedar Backup 3 (cback3) meanwhile, or remove it from the actions of this run`,
      );
    }
    await ext.run(ctx);
  };
}

/** Turn a module specifier of the configuration into something `import()` accepts. */
function importSpecifier(specifier: string): string {
  return isAbsolute(specifier) ? pathToFileURL(specifier).href : specifier;
}

/**
 * Resolve every configured extended action to code, as Cedar does at the start of every run
 * (an unresolvable one fails the run with exit 4, whether or not it is requested).
 * @returns the resolved extensions by name, and one issue per action that failed.
 */
export async function resolveExtensions(
  actions: readonly ExtendedAction[],
): Promise<{ resolved: Map<string, ResolvedExtension>; issues: ConfigIssue[] }> {
  const resolved = new Map<string, ResolvedExtension>();
  const issues: ConfigIssue[] = [];
  for (const action of actions) {
    const { name, module, function: fn } = action;
    if (name === undefined || module === undefined || fn === undefined) continue;
    const where = {
      path: action.location?.path ?? "extensions/action",
      ...(action.location?.line === undefined ? {} : { line: action.location.line }),
      ...(action.location?.column === undefined ? {} : { column: action.location.column }),
    };
    const fail = (message: string) => issues.push({ severity: "error", ...where, message });
    if (CEDAR_PREFIXES.some((p) => module.startsWith(p))) {
      const builtin = findBuiltinExtension(module);
      if (builtin === undefined) {
        fail(
          `unknown Cedar extension module "${module}": the official ones are ` +
            builtinExtensions.map((ext) => `CedarBackup3.extend.${ext.name}`).join(", "),
        );
      } else if (fn !== CEDAR_FUNCTION) {
        fail(
          `module "${module}" has no function "${fn}": use <function>${CEDAR_FUNCTION}</function>`,
        );
      } else {
        resolved.set(name, {
          kind: "builtin",
          name,
          builtin,
          run: runBuiltin(builtin),
        });
      }
      continue;
    }
    let loaded: Record<string, unknown>;
    try {
      loaded = (await import(importSpecifier(module))) as Record<string, unknown>;
    } catch (error) {
      fail(
        `cannot load extension module "${module}": ${(error as Error).message.split("\n")[0] ?? ""}; ` +
          `give an absolute path to an ES module or the name of an installed package`,
      );
      continue;
    }
    const exported = loaded[fn];
    if (typeof exported !== "function") {
      fail(`extension module "${module}" has no exported function "${fn}"`);
      continue;
    }
    resolved.set(name, {
      kind: "module",
      name,
      specifier: module,
      run: exported as ExtensionFunction,
    });
  }
  return { resolved, issues };
}
