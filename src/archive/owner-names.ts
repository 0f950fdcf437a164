import { readFileSync } from "node:fs";
import { SYSTEM_ACCOUNT_FILES, type AccountFiles } from "../log/account-names.js";

/** User and group names by numeric id, as tar headers store them (raw bytes). */
export interface OwnerNames {
  /** The name of `uid`, or empty bytes when unknown. */
  user(uid: number): Uint8Array;
  /** The name of `gid`, or empty bytes when unknown. */
  group(gid: number): Uint8Array;
}

/**
 * Map ids to names from the text of an `/etc/passwd` or `/etc/group` file (the id is the
 * third colon-separated field of both). The first line of an id wins, as with getpwuid;
 * comments, NIS `+`/`-` entries and malformed ids are skipped. Names stay raw bytes.
 */
export function parseAccountIds(database: Buffer): Map<number, Buffer> {
  const names = new Map<number, Buffer>();
  let start = 0;
  while (start < database.length) {
    let end = database.indexOf(0x0a, start);
    if (end === -1) end = database.length;
    const line = database.subarray(start, end);
    start = end + 1;
    const first = line.indexOf(0x3a);
    const second = first === -1 ? -1 : line.indexOf(0x3a, first + 1);
    if (first <= 0 || second === -1 || line[0] === 0x23) continue;
    const id = line.toString("latin1", second + 1, indexOrEnd(line, 0x3a, second + 1));
    const name = line.subarray(0, first);
    if (!/^\d+$/.test(id) || name[0] === 0x2b || name[0] === 0x2d) continue;
    const key = Number(id);
    if (!names.has(key)) names.set(key, Buffer.from(name));
  }
  return names;
}

function indexOrEnd(bytes: Buffer, value: number, from: number): number {
  const found = bytes.indexOf(value, from);
  return found === -1 ? bytes.length : found;
}

/**
 * Owner names read lazily, once, from the account files (Cedar's tarfile asks
 * getpwuid/getgrgid for every member). An unreadable file leaves every name empty.
 */
export function createOwnerNames(files: AccountFiles = SYSTEM_ACCOUNT_FILES): OwnerNames {
  let users: Map<number, Buffer> | undefined;
  let groups: Map<number, Buffer> | undefined;
  const empty = new Uint8Array(0);
  return {
    user(uid) {
      users ??= readIds(files.passwd);
      return users.get(uid) ?? empty;
    },
    group(gid) {
      groups ??= readIds(files.group);
      return groups.get(gid) ?? empty;
    },
  };
}

function readIds(path: string): Map<number, Buffer> {
  try {
    return parseAccountIds(readFileSync(path));
  } catch {
    return new Map();
  }
}
