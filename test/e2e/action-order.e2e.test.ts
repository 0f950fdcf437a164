import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTestConfig } from "../support/config-builder.js";
import { spawnCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

const RECORD = resolve("test/fixtures/extensions/record.mjs");

function run(extensions: string, args: readonly string[]) {
  const dir = tempDir();
  const config = writeTestConfig(dir, { extra: `<extensions>${extensions}</extensions>` });
  const result = spawnCli(["-c", config, "-l", join(dir, "cback.log"), "--verbose", ...args], {
    env: { CBACK_LOCK_DIR: dir },
  });
  const ran = () => {
    try {
      return readFileSync(join(dir, "work", "order.log"), "utf8")
        .trim()
        .split("\n");
    } catch {
      return [];
    }
  };
  return { result, ran };
}

const dep = (name: string, depends: string) =>
  `<action><name>${name}</name><module>${RECORD}</module><function>${name}</function>${depends}</action>`;
const idx = (name: string, index: number) =>
  `<action><name>${name}</name><module>${RECORD}</module><function>${name}</function><index>${index}</index></action>`;

describe("action ordering of the built cback (cedar-core.md §1.3)", () => {
  it("dependency mode: the worked example a(after stage), b(before collect), c(no deps)", async () => {
    const { result, ran } = run(
      `<order_mode>dependency</order_mode>` +
        dep("a", "<depends><run_after>stage</run_after></depends>") +
        dep("b", "<depends><run_before>collect</run_before></depends>") +
        dep("c", "<depends/>"),
      ["a", "b", "c"],
    );
    const r = await result;
    expect(r.status).toBe(0);
    expect(ran()).toEqual(["c", "b", "a"]);
    expect(r.stdout).toContain("Action order will be: [c, b, a]");
  });

  it("dependency mode: the order puts b before collect, and collect then fails (no <collect> section)", async () => {
    const { result, ran } = run(
      `<order_mode>dependency</order_mode>` +
        dep("b", "<depends><run_before>collect</run_before></depends>") +
        dep("a", "<depends><run_after>stage</run_after></depends>"),
      ["collect", "a", "b"],
    );
    const r = await result;
    expect(r.stdout).toContain("Action order will be: [b, collect, a]");
    expect(ran()).toEqual(["b"]);
    expect(r.status).toBe(6);
  });

  it("dependency mode: a cycle is a configuration error", async () => {
    const { result } = run(
      `<order_mode>dependency</order_mode>` +
        dep("a", "<depends><run_before>b</run_before></depends>") +
        dep("b", "<depends><run_before>a</run_before></depends>"),
      ["a"],
    );
    const r = await result;
    expect(r.status).toBe(4);
    expect(r.stdout).toMatch(/recursion|cycle/i);
  });

  it("index mode: sorted by index, ties keep command-line order, duplicates run twice", async () => {
    const { result, ran } = run(idx("a", 300) + idx("b", 100) + idx("c", 100), [
      "a",
      "c",
      "b",
      "c",
    ]);
    const r = await result;
    expect(r.status).toBe(0);
    expect(ran()).toEqual(["c", "b", "c", "a"]);
  });

  it("index mode: an extension at index 100 named before collect runs before it", async () => {
    const { result, ran } = run(idx("first", 100), ["first", "collect"]);
    const r = await result;
    expect(ran()).toEqual(["first"]);
    expect(r.stdout).toContain("the <options> and <collect> sections must be filled in to collect");
    expect(r.status).toBe(6);
  });

  it("--full reaches the extensions", async () => {
    const { result, ran } = run(idx("a", 1), ["--full", "a"]);
    expect((await result).status).toBe(0);
    expect(ran()).toEqual(["a full"]);
  });

  it("all never runs extensions", async () => {
    const { result, ran } = run(idx("a", 1), ["all"]);
    const r = await result;
    expect(ran()).toEqual([]);
    expect(r.stdout).toContain("the <options> and <collect> sections must be filled in to collect");
  });
});
