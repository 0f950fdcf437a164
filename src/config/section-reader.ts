import type { ReadContext } from "./xml/read-fields.js";
import type { XmlElement } from "./xml/write-xml.js";
import type { XmlNode } from "./xml/xml-node.js";

/**
 * How an extension's own top-level section (`<mysql>`, `<split>`, ...) is read and written.
 * config/ knows extensions only through this interface; extensions/registry.ts supplies
 * the implementations.
 */
export interface SectionReader<T = unknown> {
  /** The element name directly below `cb_config`, e.g. `mysql`. */
  readonly section: string;
  /**
   * Read and validate the section like Cedar's `LocalConfig(validate=True)`: field-level and
   * section-level problems are recorded in `ctx` (every one, with positions); never throws.
   * `node` is `undefined` when the document has no such section.
   * @returns the section as written, or `undefined` when it is absent.
   */
  read(node: XmlNode | undefined, ctx: ReadContext): T | undefined;
  /** The section as an element, for writing the configuration back. */
  write(value: T): XmlElement;
}
