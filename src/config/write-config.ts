/**
 * Writing a configuration back to XML, in Cedar's layout: core sections in Cedar's order,
 * then the extension sections given (which Cedar itself would drop).
 */
import type { SectionReader } from "./section-reader.js";
import { writeCollectSection } from "./sections/collect.js";
import { writeExtensionsSection } from "./sections/extensions.js";
import { writeOptionsSection } from "./sections/options.js";
import { writePeersSection } from "./sections/peers.js";
import { writePurgeSection } from "./sections/purge.js";
import { writeReferenceSection } from "./sections/reference.js";
import { writeStageSection } from "./sections/stage.js";
import { writeStoreSection } from "./sections/store.js";
import type { Config } from "./types.js";
import { element, writeXmlDocument, type XmlElement } from "./xml/write-xml.js";

/** An extension section to write: its reader (which knows how to write it) and its value. */
export interface ExtensionSectionValue {
  readonly reader: SectionReader;
  /** The section as read; `undefined` writes nothing. */
  readonly value: unknown;
}

/**
 * Serialise `config` as a `cb_config` document. Unset fields are left out (Cedar writes
 * them as empty elements, which read back the same way); unset sections are not written.
 * Reading the result gives back an equal Config.
 * @param extensionSections extension sections in the order to write them, e.g.
 *   `[{ reader: mysqlReader, value }]`.
 */
export function writeConfig(
  config: Config,
  extensionSections: Iterable<ExtensionSectionValue> = [],
): string {
  const write = <T>(value: T | undefined, writer: (value: T) => XmlElement) =>
    value === undefined ? undefined : writer(value);
  const extensions: XmlElement[] = [];
  for (const { reader, value } of extensionSections) {
    if (value !== undefined) extensions.push(reader.write(value));
  }
  return writeXmlDocument(
    element("cb_config", [
      write(config.reference, writeReferenceSection),
      write(config.extensions, writeExtensionsSection),
      write(config.options, writeOptionsSection),
      write(config.peers, writePeersSection),
      write(config.collect, writeCollectSection),
      write(config.stage, writeStageSection),
      write(config.store, writeStoreSection),
      write(config.purge, writePurgeSection),
      ...extensions,
    ]),
  );
}
