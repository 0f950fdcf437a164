import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { LoggingSetupError } from "../errors/cback-error.js";
import { createFileSink, openLogFile, type LogFile } from "./file-sink.js";
import type { LogRecord } from "./logger.js";

const ROOT_OWNER = { user: "root", group: "root" };
const NOW = new Date(Date.UTC(2026, 10, 26, 16, 12, 27));

function permissions(path: string): number {
  return statSync(path).mode & 0o7777;
}

describe("openLogFile", () => {
  // 0666 and 0777 would lose group/other write bits to the usual umask of 022.
  it.each(["640", "600", "666", "777"])("creates a missing file with mode %s", (octal) => {
    const mode = Number.parseInt(octal, 8);
    const path = join(tempDir(), "cback.log");
    const file = openLogFile({ path, owner: ROOT_OWNER, mode });
    file.close();
    expect(file.created).toBe(true);
    expect(permissions(path).toString(8)).toBe(octal);
    expect(readFileSync(path, "utf8")).toBe("");
  });

  it("leaves an existing file untouched and appends to it", () => {
    const dir = tempDir();
    const path = join(dir, "cback.log");
    writeFileSync(path, "earlier line\n");
    chmodSync(path, 0o604);
    const file = openLogFile({ path, owner: { user: "nobody", group: "nogroup" }, mode: 0o640 });
    file.append("next line\n");
    file.close();
    expect(file.created).toBe(false);
    expect(permissions(path)).toBe(0o604);
    expect(readFileSync(path, "utf8")).toBe("earlier line\nnext line\n");
  });

  it.runIf(userInfo().uid === 0)("gives a new file to the owner, looked up by name", () => {
    const dir = tempDir();
    const accountFiles = { passwd: join(dir, "passwd"), group: join(dir, "group") };
    writeFileSync(accountFiles.passwd, "backup:x:4242:4242::/:/bin/false\n");
    writeFileSync(accountFiles.group, "backupgrp:x:4343:\n");
    const path = join(dir, "cback.log");
    const owner = { user: "backup", group: "backupgrp" };
    openLogFile({ path, owner, mode: 0o640, accountFiles }).close();
    expect(statSync(path)).toMatchObject({ uid: 4242, gid: 4343 });
  });

  it("skips the chown when a name is unknown", () => {
    const dir = tempDir();
    const accountFiles = { passwd: join(dir, "passwd"), group: join(dir, "group") };
    writeFileSync(accountFiles.passwd, "backup:x:4242:4242::/:/bin/false\n");
    writeFileSync(accountFiles.group, "");
    const path = join(dir, "cback.log");
    const owner = { user: "backup", group: "nosuchgroup" };
    openLogFile({ path, owner, mode: 0o640, accountFiles }).close();
    expect(statSync(path)).toMatchObject({ uid: userInfo().uid });
  });

  it("fails with a setup error naming the path when the directory is missing", () => {
    const path = join(tempDir(), "missing", "cback.log");
    const attempt = () => openLogFile({ path, owner: ROOT_OWNER, mode: 0o640 });
    expect(attempt).toThrow(LoggingSetupError);
    expect(attempt).toThrow(
      `cannot open log file "${path}": no such file or directory; use --logfile to choose a writable path`,
    );
  });

  it("fails with a setup error when the path is a directory", () => {
    const path = join(tempDir(), "dir.log");
    mkdirSync(path);
    expect(() => openLogFile({ path, owner: ROOT_OWNER, mode: 0o640 })).toThrow(
      /^cannot open log file ".*dir\.log": illegal operation on a directory; use --logfile/,
    );
  });

  it("drops appends after close", () => {
    const path = join(tempDir(), "cback.log");
    const file = openLogFile({ path, owner: ROOT_OWNER, mode: 0o640 });
    file.append("kept\n");
    file.close();
    file.close();
    file.append("dropped\n");
    expect(readFileSync(path, "utf8")).toBe("kept\n");
  });
});

function memoryFile(): LogFile & { text: string } {
  return {
    path: "/memory",
    created: true,
    text: "",
    append(text) {
      this.text += text;
    },
    close: () => undefined,
  };
}

const RECORDS: LogRecord[] = [
  { level: "debug", message: "a debug record" },
  { level: "info", message: "Cedar Backup run started." },
  { level: "output", message: "Executing command ['echo'] with args ['hello world', 'x']." },
  { level: "output", message: "hello world x" },
  { level: "warn", message: "a warning" },
  { level: "error", message: "Error executing backup: boom" },
];

describe("createFileSink", () => {
  const flowLines = [
    "2026-11-26T16:12:27 UTC --> [INFO   ] Cedar Backup run started.",
    "2026-11-26T16:12:27 UTC --> [WARNING] a warning",
    "2026-11-26T16:12:27 UTC --> [ERROR  ] Error executing backup: boom",
  ];
  const outputLines = [
    "Executing command ['echo'] with args ['hello world', 'x'].",
    "hello world x",
  ];
  const debugLine = "2026-11-26T16:12:27 UTC --> [DEBUG  ] a debug record";

  it.each<[string, { debug: boolean; output: boolean }, string[]]>([
    ["INFO and above by default, no program output", { debug: false, output: false }, flowLines],
    [
      "program output with --output",
      { debug: false, output: true },
      [flowLines[0] ?? "", ...outputLines, ...flowLines.slice(1)],
    ],
    [
      "DEBUG and program output with --debug",
      { debug: true, output: false },
      [debugLine, flowLines[0] ?? "", ...outputLines, ...flowLines.slice(1)],
    ],
  ])("%s", (_name, flags, expected) => {
    const file = memoryFile();
    const sink = createFileSink(file, { ...flags, now: () => NOW, timeZone: "UTC" });
    for (const record of RECORDS) sink.write(record);
    expect(file.text).toBe(expected.map((line) => `${line}\n`).join(""));
  });

  it("stamps each line in the given zone", () => {
    const file = memoryFile();
    const sink = createFileSink(file, {
      debug: false,
      output: false,
      now: () => NOW,
      timeZone: "Europe/Berlin",
    });
    sink.write({ level: "info", message: "x" });
    expect(file.text).toBe("2026-11-26T17:12:27 CET --> [INFO   ] x\n");
  });

  it("writes UTF-8 to the real file, one synchronous append per record", () => {
    const path = join(tempDir(), "cback.log");
    const file = openLogFile({ path, owner: ROOT_OWNER, mode: 0o640 });
    const sink = createFileSink(file, {
      debug: false,
      output: false,
      now: () => NOW,
      timeZone: "UTC",
    });
    sink.write({ level: "info", message: "naïve café ✓ 🎉" });
    // Read before close: nothing is buffered.
    expect(readFileSync(path, "utf8")).toBe(
      "2026-11-26T16:12:27 UTC --> [INFO   ] naïve café ✓ 🎉\n",
    );
    file.close();
  });

  it("reports a failing write and goes on", () => {
    const errors: unknown[] = [];
    const failing: LogFile = {
      path: "/full",
      created: false,
      append: () => {
        throw new Error("ENOSPC: no space left on device, write");
      },
      close: () => undefined,
    };
    const sink = createFileSink(failing, {
      debug: false,
      output: false,
      now: () => NOW,
      onError: (error) => errors.push(error),
    });
    expect(() => {
      sink.write({ level: "error", message: "x" });
    }).not.toThrow();
    expect(errors).toHaveLength(1);
  });
});
