import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { createOwnerNames, parseAccountIds } from "./owner-names.js";

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cback-owners-"));
  onTestFinished(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

const PASSWD = [
  "root:x:0:0:root:/root:/bin/bash",
  "# comment:x:5:5",
  "+nis::7:7:::",
  "backup:x:34:34:backup:/var/backups:/usr/sbin/nologin",
  "toor:x:0:0:second root:/root:/bin/sh",
  "broken:x:abc:1::/:",
  "short:x",
  "",
].join("\n");

describe("parseAccountIds", () => {
  it.each([
    [0, "root"],
    [34, "backup"],
    [5, undefined],
    [7, undefined],
    [99, undefined],
  ])("maps id %d to %j (first line wins; comments, NIS and bad ids skipped)", (id, name) => {
    expect(parseAccountIds(Buffer.from(PASSWD)).get(id)?.toString()).toBe(name);
  });

  it("keeps names that are not UTF-8 as raw bytes", () => {
    const line = Buffer.concat([
      Buffer.from("jos"),
      Buffer.of(0xe9),
      Buffer.from(":x:1001:1001::/:\n"),
    ]);
    expect(parseAccountIds(line).get(1001)).toEqual(Buffer.from([0x6a, 0x6f, 0x73, 0xe9]));
  });
});

describe("createOwnerNames", () => {
  it("reads each file once and answers empty bytes for unknown ids", () => {
    const dir = tempDir();
    const files = { passwd: join(dir, "passwd"), group: join(dir, "group") };
    writeFileSync(files.passwd, PASSWD);
    writeFileSync(files.group, "root:x:0:\nstaff:x:50:a,b\n");
    const names = createOwnerNames(files);
    expect(Buffer.from(names.user(34)).toString()).toBe("backup");
    expect(Buffer.from(names.group(50)).toString()).toBe("staff");
    rmSync(files.passwd);
    rmSync(files.group);
    expect(Buffer.from(names.user(0)).toString()).toBe("root");
    expect(names.user(4242)).toHaveLength(0);
    expect(names.group(4242)).toHaveLength(0);
  });

  it("answers empty names when the account files cannot be read", () => {
    const dir = tempDir();
    const names = createOwnerNames({ passwd: join(dir, "none"), group: join(dir, "none") });
    expect(names.user(0)).toHaveLength(0);
    expect(names.group(0)).toHaveLength(0);
  });
});
