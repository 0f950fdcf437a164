/**
 * The `<postgresql>` section: which PostgreSQL databases the postgresql extension dumps and
 * how the dump files are compressed (cedar-extensions.md §1.3). There is no password:
 * Cedar assumes passwordless access (pg_hba.conf or `~/.pgpass`).
 */
import type { SectionReader } from "../../config/section-reader.js";
import {
  addIssue,
  childPath,
  quote,
  readBoolean,
  readEnum,
  readString,
  readStringList,
  type ReadContext,
} from "../../config/xml/read-fields.js";
import { element, textElement, type XmlElement } from "../../config/xml/write-xml.js";
import { childrenNamed, firstChild, type XmlNode } from "../../config/xml/xml-node.js";

const COMPRESS_MODES = ["none", "gzip", "bzip2"] as const;

/** Compression of a dump file: `none`, `gzip` (`.gz` suffix) or `bzip2` (`.bz2` suffix). */
export type PostgresqlCompressMode = (typeof COMPRESS_MODES)[number];

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
      addIssue(
        ctx,
        undefined,
        "the <postgresql> section is required to run the postgresql extension; add one below <cb_config>",
        { path: SECTION },
      );
      return undefined;
    }
    const user = readString(node, "user");
    const compressMode = readEnum(node, "compress_mode", COMPRESS_MODES, ctx);
    const all = readBoolean(node, "all", ctx);
    const databases = readStringList(node, "database");
    if (!isWritten(node, "compress_mode")) {
      addRequired(
        ctx,
        node,
        "compress_mode",
        "<compress_mode> is required: set it to none, gzip or bzip2",
      );
    }
    checkDatabases(node, all, databases, ctx);
    return {
      ...(user === undefined ? {} : { user }),
      ...(compressMode === undefined ? {} : { compressMode }),
      ...(all === undefined ? {} : { all }),
      ...(databases === undefined ? {} : { databases }),
    };
  },
  write(value): XmlElement {
    return element(SECTION, [
      textElement("user", value.user),
      textElement("compress_mode", value.compressMode),
      textElement("all", value.all),
      ...(value.databases ?? []).map((database) => textElement("database", database)),
    ]);
  },
};

function isWritten(parent: XmlNode, name: string): boolean {
  return firstChild(parent, name)?.text !== undefined;
}

/** `<all>Y` and a database list exclude each other; without `<all>Y` a database is needed. */
function checkDatabases(
  section: XmlNode,
  all: boolean | undefined,
  databases: readonly string[] | undefined,
  ctx: ReadContext,
): void {
  // An unreadable <all> was already reported; guessing its meaning would add a false issue.
  if (all === undefined && isWritten(section, "all")) return;
  if (all === true && databases !== undefined) {
    const first = childrenNamed(section, "database").find((node) => node.text !== undefined);
    addIssue(
      ctx,
      first ?? section,
      `<all> is Y, which dumps every database, but databases are listed too (${databases.map(quote).join(", ")}): remove the <database> elements or set <all> to N`,
      { path: first?.path ?? childPath(section, "database") },
    );
  } else if (all !== true && databases === undefined) {
    addRequired(
      ctx,
      section,
      "database",
      "no <database> is listed and <all> is not Y: list at least one <database> or set <all> to Y",
    );
  }
}

/** Record a missing required element at the element itself when it is there but empty. */
function addRequired(ctx: ReadContext, parent: XmlNode, name: string, message: string): void {
  addIssue(ctx, firstChild(parent, name) ?? parent, message, { path: childPath(parent, name) });
}
