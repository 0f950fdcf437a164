import { readFileSync } from "node:fs";

/** Where user and group names are looked up (the files Cedar's getpwnam/getgrnam read). */
export interface AccountFiles {
  readonly passwd: string;
  readonly group: string;
}

/** The system account databases. */
export const SYSTEM_ACCOUNT_FILES: AccountFiles = { passwd: "/etc/passwd", group: "/etc/group" };

/**
 * The numeric ID of `name` in the text of an `/etc/passwd` or `/etc/group` file (both keep
 * the ID in the third colon-separated field). The first matching line wins, as with
 * getpwnam; comments, NIS `+`/`-` lines and malformed IDs are skipped.
 */
export function findAccountId(databaseText: string, name: string): number | undefined {
  if (name === "") return undefined;
  for (const line of databaseText.split("\n")) {
    const fields = line.replace(/\r$/, "").split(":");
    if (fields[0] !== name || fields.length < 3) continue;
    const id = fields[2] ?? "";
    if (/^\d+$/.test(id)) return Number(id);
  }
  return undefined;
}

/**
 * The uid and gid of `user` and `group`, looked up by name in the account files, or
 * undefined when a file cannot be read or either name is missing (Cedar then skips the
 * chown entirely).
 */
export function lookupOwnerIds(
  user: string,
  group: string,
  files: AccountFiles = SYSTEM_ACCOUNT_FILES,
): { uid: number; gid: number } | undefined {
  try {
    const uid = findAccountId(readFileSync(files.passwd, "utf8"), user);
    const gid = findAccountId(readFileSync(files.group, "utf8"), group);
    return uid === undefined || gid === undefined ? undefined : { uid, gid };
  } catch {
    return undefined;
  }
}
