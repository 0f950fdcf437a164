/**
 * The configuration pipeline: XML text -> element tree -> as-written Config (field-level
 * checks) -> document-level rules -> result. Every problem is reported, each with its
 * position. Extension sections are read by the SectionReaders the caller passes in; their
 * problems are kept per section and do not fail the core result, because Cedar checks an
 * extension's section only when that extension runs.
 */
import { readFile } from "node:fs/promises";
import type { ConfigIssue } from "../errors/cback-error.js";
import { validateConfig, type RuleContext } from "./rules.js";
import type { SectionReader } from "./section-reader.js";
import { readCollectSection } from "./sections/collect.js";
import { readExtensionsSection } from "./sections/extensions.js";
import { readOptionsSection } from "./sections/options.js";
import { readPeersSection } from "./sections/peers.js";
import { readPurgeSection } from "./sections/purge.js";
import { readReferenceSection } from "./sections/reference.js";
import { readStageSection } from "./sections/stage.js";
import { readStoreSection } from "./sections/store.js";
import { definedFields } from "./sections/shared-fields.js";
import type { Config } from "./types.js";
import { parseXml } from "./xml/parse-xml.js";
import { addIssue, createReadContext, type ReadContext } from "./xml/read-fields.js";
import { firstChild, type XmlNode } from "./xml/xml-node.js";

/** An extension section as its reader saw it. */
export interface SectionResult {
  /** What the reader returned (`undefined` when the section is absent). */
  readonly value: unknown;
  /** The reader's problems (errors and warnings), with positions. */
  readonly issues: readonly ConfigIssue[];
}

/** Outcome of loading a configuration: the core config, or every error found. */
export type ConfigResult =
  | {
      readonly ok: true;
      readonly config: Config;
      /** The document element, for later messages that need positions. */
      readonly root: XmlNode;
      /** Core warnings (nothing that stops a run). */
      readonly warnings: readonly ConfigIssue[];
      /** Extension sections by section name. */
      readonly sections: ReadonlyMap<string, SectionResult>;
    }
  | {
      readonly ok: false;
      /** Core errors and warnings, in document-then-rule order. */
      readonly issues: readonly ConfigIssue[];
      /** Absent when the XML itself could not be parsed. */
      readonly root?: XmlNode;
      readonly sections?: ReadonlyMap<string, SectionResult>;
    };

/** Options of {@link parseConfig} and {@link loadConfig}. */
export interface ParseConfigOptions {
  /** File name shown in issues. */
  readonly file?: string;
  /** Readers of extension sections (`<mysql>`, `<split>`...), each run on its own section. */
  readonly sectionReaders?: readonly SectionReader[];
}

/**
 * Read every core section of a `cb_config` element (first occurrence of each wins); with
 * `undefined` every section is absent. Field-level problems go to `ctx`.
 */
export function readConfigSections(root: XmlNode | undefined, ctx: ReadContext): Config {
  const section = (name: string) => firstChild(root, name);
  return definedFields<Config>({
    reference: readReferenceSection(section("reference"), ctx),
    extensions: readExtensionsSection(section("extensions"), ctx),
    options: readOptionsSection(section("options"), ctx),
    peers: readPeersSection(section("peers"), ctx),
    collect: readCollectSection(section("collect"), ctx),
    stage: readStageSection(section("stage"), ctx),
    store: readStoreSection(section("store"), ctx),
    purge: readPurgeSection(section("purge"), ctx),
  });
}

/**
 * Parse and validate configuration text. Never throws: malformed XML, bad values and rule
 * violations all come back as issues. The result is `ok` when no core error was found.
 */
export function parseConfig(text: string, options: ParseConfigOptions = {}): ConfigResult {
  const parsed = parseXml(text, options.file);
  if (parsed.root === undefined) return { ok: false, issues: parsed.issues };
  const root = parsed.root;
  // Cedar looks for a cb_config element and, finding none, sees every section as missing.
  const document = root.name === "cb_config" ? root : undefined;
  const ctx: RuleContext = { file: options.file, issues: [...parsed.issues], root: document };
  if (document === undefined) {
    addIssue(
      ctx,
      root,
      `the document element must be <cb_config>, got <${root.name}>: no section of this file can be read`,
    );
  }
  const config = readConfigSections(document, ctx);
  validateConfig(config, ctx);
  const sections = new Map<string, SectionResult>();
  for (const reader of options.sectionReaders ?? []) {
    const sectionCtx = createReadContext(options.file);
    const value = reader.read(firstChild(document, reader.section), sectionCtx);
    sections.set(reader.section, { value, issues: sectionCtx.issues });
  }
  if (ctx.issues.some((issue) => issue.severity === "error")) {
    return { ok: false, issues: ctx.issues, root, sections };
  }
  return { ok: true, config, root, warnings: ctx.issues, sections };
}

/**
 * Read a configuration file (UTF-8) and {@link parseConfig} it. A file that cannot be read
 * gives one issue naming the path and the operating system's reason.
 */
export async function loadConfig(
  path: string,
  options: Omit<ParseConfigOptions, "file"> = {},
): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      issues: [
        {
          severity: "error",
          file: path,
          path: "",
          message: `cannot read the configuration file (${reason}); check the path given with --config and that this user may read it`,
        },
      ],
    };
  }
  // A UTF-8 byte order mark is not part of the document.
  return parseConfig(text.replace(/^\uFEFF/, ""), { ...options, file: path });
}
