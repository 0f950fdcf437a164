import { describe, expect, it } from "vitest";
import { consoleThreshold, createConsoleSink } from "./console-sink.js";
import type { LogRecord } from "./logger.js";

const RECORDS: LogRecord[] = [
  { level: "debug", message: "d" },
  { level: "info", message: "i" },
  { level: "warn", message: "w" },
  { level: "error", message: "e" },
  { level: "output", message: "o" },
];

describe("createConsoleSink", () => {
  it.each<[string, { verbose: boolean; quiet: boolean; debug: boolean }, string]>([
    ["default", { verbose: false, quiet: false, debug: false }, "e\n"],
    ["--debug alone", { verbose: false, quiet: false, debug: true }, "e\n"],
    ["--verbose", { verbose: true, quiet: false, debug: false }, "i\nw\ne\n"],
    ["--verbose --debug", { verbose: true, quiet: false, debug: true }, "d\ni\nw\ne\n"],
    ["--quiet", { verbose: false, quiet: true, debug: false }, ""],
    ["--quiet beats --verbose --debug", { verbose: true, quiet: true, debug: true }, ""],
  ])("%s", (_name, flags, expected) => {
    let written = "";
    const sink = createConsoleSink({ ...flags, stream: { write: (text) => (written += text) } });
    for (const record of RECORDS) sink.write(record);
    expect(written).toBe(expected);
  });

  it.each<[{ verbose: boolean; quiet: boolean; debug: boolean }, string | undefined]>([
    [{ verbose: false, quiet: false, debug: false }, "error"],
    [{ verbose: true, quiet: false, debug: false }, "info"],
    [{ verbose: true, quiet: false, debug: true }, "debug"],
    [{ verbose: true, quiet: true, debug: false }, undefined],
  ])("threshold of %j", (flags, expected) => {
    expect(consoleThreshold(flags)).toBe(expected);
  });
});
