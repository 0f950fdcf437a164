/**
 * `<collect>`: what the collect action archives (files and directories), with defaults
 * for their collect mode, archive mode and ignore file, and exclusions.
 */
import { compilePythonPattern } from "../../domain/python-regex.js";
import type { CollectConfig, CollectDir, CollectFile, CollectMode } from "../types.js";
import {
  addIssue,
  quote,
  readAbsolutePath,
  readAbsolutePathList,
  readBoolean,
  readEnum,
  readInteger,
  readString,
  readStringList,
  type ReadContext,
} from "../xml/read-fields.js";
import { element, textElement, type XmlElement } from "../xml/write-xml.js";
import { childrenNamed, firstChild, type XmlNode } from "../xml/xml-node.js";
import {
  ARCHIVE_MODES,
  COLLECT_MODES,
  definedFields,
  listElements,
  nonEmpty,
} from "./shared-fields.js";

/**
 * Read `<collect>`. Exclusions at this level are `abs_path` and `pattern` only; a
 * `rel_path` here and a `recursion_level` here are ignored by Cedar, which we report as
 * warnings. Required fields and inheritance are checked by config/rules.ts.
 * @returns `undefined` when the section is absent.
 */
export function readCollectSection(
  node: XmlNode | undefined,
  ctx: ReadContext,
): CollectConfig | undefined {
  if (node === undefined) return undefined;
  const exclude = firstChild(node, "exclude");
  const collect = definedFields<CollectConfig>({
    targetDir: readAbsolutePath(node, "collect_dir", ctx),
    collectMode: readEnum(node, "collect_mode", COLLECT_MODES, ctx),
    archiveMode: readEnum(node, "archive_mode", ARCHIVE_MODES, ctx),
    ignoreFile: readString(node, "ignore_file"),
    statCache: readBoolean(node, "stat_cache", ctx),
    absoluteExcludePaths: readAbsolutePathList(exclude, "abs_path", ctx),
    excludePatterns: readPatternList(exclude, ctx),
    collectFiles: nonEmpty(childrenNamed(node, "file").map((file) => readCollectFile(file, ctx))),
    collectDirs: nonEmpty(childrenNamed(node, "dir").map((dir) => readCollectDir(dir, ctx))),
  });
  for (const relPath of childrenNamed(exclude, "rel_path")) {
    if (relPath.text === undefined) continue;
    addIssue(ctx, relPath, "ignored: rel_path works only in the <exclude> of a <dir>", {
      severity: "warning",
    });
  }
  const recursion = firstChild(node, "recursion_level");
  if (recursion?.text !== undefined) {
    addIssue(ctx, recursion, "ignored: recursion_level works only inside a <dir>; move it there", {
      severity: "warning",
    });
  }
  return collect;
}

/** Cedar reads the deprecated `<mode>` first and uses `<collect_mode>` only without it. */
function readItemCollectMode(node: XmlNode, ctx: ReadContext): CollectMode | undefined {
  const name = firstChild(node, "mode")?.text === undefined ? "collect_mode" : "mode";
  return readEnum(node, name, COLLECT_MODES, ctx);
}

function readCollectFile(node: XmlNode, ctx: ReadContext): CollectFile {
  return definedFields<CollectFile>({
    absPath: readAbsolutePath(node, "abs_path", ctx),
    collectMode: readItemCollectMode(node, ctx),
    archiveMode: readEnum(node, "archive_mode", ARCHIVE_MODES, ctx),
  });
}

function readCollectDir(node: XmlNode, ctx: ReadContext): CollectDir {
  const exclude = firstChild(node, "exclude");
  return definedFields<CollectDir>({
    absPath: readAbsolutePath(node, "abs_path", ctx),
    collectMode: readItemCollectMode(node, ctx),
    archiveMode: readEnum(node, "archive_mode", ARCHIVE_MODES, ctx),
    ignoreFile: readString(node, "ignore_file"),
    linkDepth: readInteger(node, "link_depth", ctx, { min: 0 }),
    dereference: readBoolean(node, "dereference", ctx),
    recursionLevel: readInteger(node, "recursion_level", ctx),
    absoluteExcludePaths: readAbsolutePathList(exclude, "abs_path", ctx),
    relativeExcludePaths: readStringList(exclude, "rel_path"),
    excludePatterns: readPatternList(exclude, ctx),
  });
}

/** Every `<pattern>` below `exclude`; each must compile as a Python regular expression. */
function readPatternList(exclude: XmlNode | undefined, ctx: ReadContext): string[] | undefined {
  const patterns: string[] = [];
  for (const node of childrenNamed(exclude, "pattern")) {
    if (node.text === undefined) continue;
    const compiled = compilePythonPattern(node.text);
    if (compiled.ok) patterns.push(node.text);
    else
      addIssue(
        ctx,
        node,
        `must be a valid Python regular expression, got ${quote(node.text)} (${compiled.reason})`,
      );
  }
  return patterns.length === 0 ? undefined : patterns;
}

/**
 * `<collect>` as an element: files before dirs and `collect_mode` (never the `mode` alias),
 * as Cedar writes it; `<exclude>` only when it has entries.
 */
export function writeCollectSection(value: CollectConfig): XmlElement {
  const exclude = [
    ...listElements("abs_path", value.absoluteExcludePaths),
    ...listElements("pattern", value.excludePatterns),
  ];
  return element("collect", [
    textElement("collect_dir", value.targetDir),
    textElement("collect_mode", value.collectMode),
    textElement("archive_mode", value.archiveMode),
    textElement("ignore_file", value.ignoreFile),
    textElement("stat_cache", value.statCache),
    exclude.length === 0 ? undefined : element("exclude", exclude),
    ...(value.collectFiles ?? []).map((file) =>
      element("file", [
        textElement("abs_path", file.absPath),
        textElement("collect_mode", file.collectMode),
        textElement("archive_mode", file.archiveMode),
      ]),
    ),
    ...(value.collectDirs ?? []).map(writeCollectDir),
  ]);
}

function writeCollectDir(dir: CollectDir): XmlElement {
  const exclude = [
    ...listElements("abs_path", dir.absoluteExcludePaths),
    ...listElements("rel_path", dir.relativeExcludePaths),
    ...listElements("pattern", dir.excludePatterns),
  ];
  return element("dir", [
    textElement("abs_path", dir.absPath),
    textElement("collect_mode", dir.collectMode),
    textElement("archive_mode", dir.archiveMode),
    textElement("ignore_file", dir.ignoreFile),
    textElement("link_depth", dir.linkDepth),
    textElement("dereference", dir.dereference),
    textElement("recursion_level", dir.recursionLevel),
    exclude.length === 0 ? undefined : element("exclude", exclude),
  ]);
}
