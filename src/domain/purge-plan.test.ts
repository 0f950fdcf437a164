import { describe, expect, it } from "vitest";
import { fileAgeInDays, planPurge, type PurgeItem } from "./purge-plan.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const item = (
  path: string,
  kind: PurgeItem["kind"],
  daysOld: number,
  atimeDaysOld = daysOld,
): PurgeItem => ({
  path,
  kind,
  mtimeMs: NOW - daysOld * DAY,
  atimeMs: NOW - atimeDaysOld * DAY,
});

describe("fileAgeInDays", () => {
  it.each([
    [0, 0],
    [0.99, 0],
    [1, 1],
    [6.9, 6],
    [7, 7],
    [-3, 0], // in the future: clamped
  ])("a file modified %s days ago is %s whole days old", (days, age) => {
    expect(fileAgeInDays(item("f", "file", days), NOW)).toBe(age);
  });

  it("the later of atime and mtime counts: reading a file keeps it young", () => {
    expect(fileAgeInDays(item("f", "file", 30, 2), NOW)).toBe(2);
    expect(fileAgeInDays(item("f", "file", 2, 30), NOW)).toBe(2);
  });

  it("uses whole seconds of now, as Python's int(time.time())", () => {
    const exactlyOneDay = { atimeMs: 0, mtimeMs: 0 };
    expect(fileAgeInDays(exactlyOneDay, DAY + 999)).toBe(1);
    expect(fileAgeInDays({ atimeMs: 500, mtimeMs: 500 }, DAY + 999)).toBe(0);
  });
});

describe("planPurge", () => {
  const listing = [
    item("/p/2026", "dir", 40),
    item("/p/2026/old.tar", "file", 10),
    item("/p/2026/edge.tar", "file", 7),
    item("/p/2026/young.tar", "file", 6.5),
    item("/p/2026/link", "link", 0),
    item("/p/2026/sub", "dir", 0),
  ];

  it.each([
    [7, ["/p/2026/old.tar", "/p/2026/edge.tar", "/p/2026/link"]],
    [0, ["/p/2026/old.tar", "/p/2026/edge.tar", "/p/2026/young.tar", "/p/2026/link"]],
    [11, ["/p/2026/link"]],
  ])("retain_days %s removes %j (links always go)", (retain, removed) => {
    const plan = planPurge(listing, retain, NOW);
    expect(plan.remove.map((i) => i.path)).toEqual(removed);
    expect(plan.tryRemoveDirs.map((i) => i.path)).toEqual(["/p/2026", "/p/2026/sub"]);
  });
});
