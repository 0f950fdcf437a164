/** `<purge>`: directories whose old files the purge action deletes. */
import type { PurgeConfig, PurgeDir } from "../types.js";
import { readAbsolutePath, readInteger, type ReadContext } from "../xml/read-fields.js";
import { element, textElement, type XmlElement } from "../xml/write-xml.js";
import { childrenNamed, type XmlNode } from "../xml/xml-node.js";
import { definedFields, nonEmpty } from "./shared-fields.js";

/**
 * Read `<purge>`: each `<dir>` with `abs_path` (absolute) and `retain_days` (int >= 0).
 * @returns `undefined` when the section is absent; `<purge/>` gives an object with no dirs.
 */
export function readPurgeSection(
  node: XmlNode | undefined,
  ctx: ReadContext,
): PurgeConfig | undefined {
  if (node === undefined) return undefined;
  const dirs = childrenNamed(node, "dir").map((dir) =>
    definedFields<PurgeDir>({
      absPath: readAbsolutePath(dir, "abs_path", ctx),
      retainDays: readInteger(dir, "retain_days", ctx, { min: 0 }),
    }),
  );
  return definedFields<PurgeConfig>({ purgeDirs: nonEmpty(dirs) });
}

/** `<purge>` as an element. */
export function writePurgeSection(value: PurgeConfig): XmlElement {
  return element(
    "purge",
    (value.purgeDirs ?? []).map((dir) =>
      element("dir", [
        textElement("abs_path", dir.absPath),
        textElement("retain_days", dir.retainDays),
      ]),
    ),
  );
}
