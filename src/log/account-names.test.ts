import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { findAccountId, lookupOwnerIds } from "./account-names.js";

const PASSWD = [
  "# comment:x:7:7",
  "root:x:0:0:root:/root:/bin/bash",
  "+nisuser:x:5:5::/:",
  "backup:x:34:34:backup:/var/backups:/usr/sbin/nologin",
  "broken:x:notanumber:1::/:",
  "backup:x:999:999:second entry:/:",
  "short:x",
  "dos:x:1001:1001::/home/dos:/bin/sh\r",
  "",
].join("\n");

const GROUP = ["root:x:0:", "adm:x:4:syslog,alice", "staff:x:50:"].join("\n");

describe("findAccountId", () => {
  it.each<[string, string, number | undefined]>([
    [PASSWD, "root", 0],
    [PASSWD, "backup", 34],
    [PASSWD, "dos", 1001],
    [PASSWD, "nobody", undefined],
    [PASSWD, "broken", undefined],
    [PASSWD, "short", undefined],
    [PASSWD, "nisuser", undefined],
    [PASSWD, "", undefined],
    [PASSWD, "x", undefined],
    [GROUP, "adm", 4],
    [GROUP, "staff", 50],
    [GROUP, "alice", undefined],
  ])("%#: %s", (text, name, expected) => {
    expect(findAccountId(text, name)).toBe(expected);
  });
});

describe("lookupOwnerIds", () => {
  function accountFiles(): { passwd: string; group: string } {
    const dir = tempDir();
    const files = { passwd: join(dir, "passwd"), group: join(dir, "group") };
    writeFileSync(files.passwd, PASSWD);
    writeFileSync(files.group, GROUP);
    return files;
  }

  it("resolves both names", () => {
    expect(lookupOwnerIds("backup", "adm", accountFiles())).toEqual({ uid: 34, gid: 4 });
  });

  it.each([
    ["nobody", "adm"],
    ["backup", "nogroup"],
  ])("gives nothing when %s:%s is unknown", (user, group) => {
    expect(lookupOwnerIds(user, group, accountFiles())).toBeUndefined();
  });

  it("gives nothing when the files cannot be read", () => {
    const dir = tempDir();
    const files = { passwd: join(dir, "missing-passwd"), group: join(dir, "missing-group") };
    expect(lookupOwnerIds("root", "root", files)).toBeUndefined();
  });
});
