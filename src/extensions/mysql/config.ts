/**
 * The `<mysql>` section: which MySQL databases the mysql extension dumps, with which
 * credentials, and how the dump files are compressed (cedar-extensions.md §1.2).
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
import { Secret } from "../../log/secret.js";

/** Compression of a dump file: `none`, `gzip` (`.gz` suffix) or `bzip2` (`.bz2` suffix). */
export type MysqlCompressMode = CompressMode;

/** The `<mysql>` section as written; an absent element is `undefined`. */
export interface MysqlConfig {
  /** `<user>`: passed as `--user`; absent lets mysqldump use `~/.my.cnf`. */
  readonly user?: string;
  /** `<password>`: passed as `--password`; absent lets mysqldump use `~/.my.cnf`. */
  readonly password?: Secret;
  /** `<compress_mode>`: required. */
  readonly compressMode?: MysqlCompressMode;
  /** `<all>`: `Y` dumps every database in one file; absent means `N`. */
  readonly all?: boolean;
  /** `<database>` (repeatable): databases dumped one file each; forbidden when `all` is set. */
  readonly databases?: readonly string[];
}

const SECTION = "mysql";

/** Reads and writes `<mysql>` with the checks of Cedar's mysql `LocalConfig(validate=True)`. */
export const mysqlSectionReader: SectionReader<MysqlConfig> = {
  section: SECTION,
  read(node, ctx) {
    if (node === undefined) {
      reportMissingSection(ctx, SECTION);
      return undefined;
    }
    const user = readString(node, "user");
    const password = readString(node, "password");
    return {
      ...(user === undefined ? {} : { user }),
      ...(password === undefined ? {} : { password: new Secret(password) }),
      ...readDatabaseDumpFields(node, ctx),
    };
  },
  write(value): XmlElement {
    return element(SECTION, [
      textElement("user", value.user),
      textElement("password", value.password?.reveal()),
      ...databaseDumpElements(value),
    ]);
  },
};
