/**
 * The `<postgresql>` section: which PostgreSQL databases the postgresql extension dumps and
 * how the dump files are compressed (cedar-extensions.md §1.3). There is no password:
 * Cedar assumes passwordless access (pg_hba.conf or `~/.pgpass`).
 */
import {
  databaseDumpElements,
  readDatabaseDumpFields,
  reportMissingSection,
  type CompressMode,
} from "../../config/sections/extension-fields.js";
import type { SectionReader } from "../../config/section-reader.js";
import { readString } from "../../config/xml/read-fields.js";
import { element, textElement, type XmlElement } from "../../config/xml/write-xml.js";

/** Compression of a dump file: `none`, `gzip` (`.gz` suffix) or `bzip2` (`.bz2` suffix). */
export type PostgresqlCompressMode = CompressMode;

/** The `<postgresql>` section as written; an absent element is `undefined`. */
export interface PostgresqlConfig {
  /** `<user>`: passed as `-U`; absent lets pg_dump use the backup user's name. */
  readonly user?: string;
  /** `<compress_mode>`: required. */
  readonly compressMode?: PostgresqlCompressMode;
  /** `<all>`: `Y` dumps every database with pg_dumpall; absent means `N`. */
  readonly all?: boolean;
  /** `<database>` (repeatable): databases dumped one file each; forbidden when `all` is set. */
  readonly databases?: readonly string[];
}

const SECTION = "postgresql";

/**
 * Reads and writes `<postgresql>` with the checks of Cedar's postgresql
 * `LocalConfig(validate=True)`.
 */
export const postgresqlSectionReader: SectionReader<PostgresqlConfig> = {
  section: SECTION,
  read(node, ctx) {
    if (node === undefined) {
      reportMissingSection(ctx, SECTION);
      return undefined;
    }
    const user = readString(node, "user");
    return { ...(user === undefined ? {} : { user }), ...readDatabaseDumpFields(node, ctx) };
  },
  write(value): XmlElement {
    return element(SECTION, [textElement("user", value.user), ...databaseDumpElements(value)]);
  },
};
