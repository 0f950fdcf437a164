import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { writeConfig } from "../../src/config/write-config.js";
import { builtinSectionReaders } from "../../src/extensions/registry.js";

const DIR = "test/fixtures/configs/cedar";

/** cedar-extensions.md §6.3: which of Cedar's 58 fixtures are valid. */
const VALID = new Set([
  "amazons3.conf.2",
  "amazons3.conf.3",
  "capacity.conf.2",
  "capacity.conf.3",
  "capacity.conf.4",
  "encrypt.conf.2",
  "split.conf.2",
  "split.conf.3",
  "split.conf.4",
  "split.conf.5",
  "mysql.conf.2",
  "mysql.conf.3",
  "mysql.conf.4",
  "mysql.conf.5",
  "postgresql.conf.2",
  "postgresql.conf.3",
  "postgresql.conf.4",
  "postgresql.conf.5",
  "mbox.conf.2",
  "mbox.conf.3",
  "mbox.conf.4",
  "subversion.conf.2",
  "subversion.conf.3",
  "subversion.conf.4",
  "subversion.conf.5",
  "subversion.conf.6",
  "subversion.conf.7",
  "cback.conf.1",
  "cback.conf.15",
  "cback.conf.20",
  "cback.conf.21",
]);

const files = readdirSync(DIR).sort();

/** A fixture's verdict: core files by the core rules, extension files by their section. */
function verdict(file: string): { valid: boolean; errors: string[] } {
  const path = join(DIR, file);
  const result = parseConfig(readFileSync(path, "utf8"), {
    file: path,
    sectionReaders: builtinSectionReaders,
  });
  const kind = file.split(".")[0] ?? "";
  if (kind === "cback") {
    return { valid: result.ok, errors: result.ok ? [] : result.issues.map((i) => i.message) };
  }
  const section = result.sections?.get(kind);
  const errors = (section?.issues ?? [])
    .filter((i) => i.severity === "error")
    .map((i) => i.message);
  return { valid: section !== undefined && errors.length === 0, errors };
}

describe("Cedar's 58 configuration fixtures (cedar-extensions.md §6.3)", () => {
  it("are all here", () => {
    expect(files).toHaveLength(58);
  });

  it.each(files)("%s has Cedar's validity", (file) => {
    const { valid, errors } = verdict(file);
    expect(valid, errors.join("\n")).toBe(VALID.has(file));
    if (!valid) expect(errors.length).toBeGreaterThan(0);
  });

  it.each(["cback.conf.1", "cback.conf.15", "cback.conf.20", "cback.conf.21"])(
    "%s survives parse -> write -> parse",
    (file) => {
      const first = parseConfig(readFileSync(join(DIR, file), "utf8"));
      if (!first.ok) throw new Error("fixture should be valid");
      const again = parseConfig(writeConfig(first.config));
      if (!again.ok) throw new Error(again.issues.map((i) => i.message).join("\n"));
      const strip = (value: unknown): unknown =>
        JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === "location" ? undefined : v)));
      expect(strip(again.config)).toEqual(strip(first.config));
    },
  );
});
