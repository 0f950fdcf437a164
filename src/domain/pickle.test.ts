import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DigestMap } from "./digest-map.js";
import {
  PickleError,
  decodeDatetimePickle,
  decodeDigestPickle,
  decodePickle,
  decodeRevisionPickle,
  encodeDatetimePickle,
  encodeDigestPickle,
  encodeRevisionPickle,
  type PickleDateTime,
  type PickleValue,
} from "./pickle.js";

const SAMPLES = join(import.meta.dirname, "../../test/fixtures/cedar-samples");
const bytes = (latin1: string): Buffer => Buffer.from(latin1, "latin1");

/** Run a Python 3 snippet with JSON on stdin; our CI has python3, so its absence fails. */
function python(script: string, input: unknown): unknown {
  const result = spawnSync("python3", ["-c", script], {
    input: JSON.stringify(input),
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error !== undefined) {
    throw new Error(
      `python3 is needed to cross-check pickles (CI installs it): ${result.error.message}`,
    );
  }
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr.toString()}`);
  return JSON.parse(result.stdout.toString());
}

function offsetOf(action: () => unknown): number {
  try {
    action();
  } catch (error) {
    if (error instanceof PickleError) return error.offset;
    throw error;
  }
  throw new Error("expected a PickleError");
}

describe("digest pickles written by Cedar Backup 3", () => {
  const docs = "/srv/sample/tree/docs";
  it.each([
    [
      "day1",
      [
        [`${docs}/café.txt`, "6c007a14875d53d9bf0ef5a6fc0257c817f0fb83"],
        [`${docs}/sub/naïve file.txt`, "37f385b028bf2f93a4b497ca9ff44eea63945b7f"],
        [`${docs}/sub/d.txt`, "4bd6315d6d7824c4e376847ca7d116738ad2f29a"],
        [`${docs}/a.txt`, "d046cd9b7ffb7661e449683313d41f6fc33e3130"],
      ],
    ],
    [
      "day2",
      [
        [`${docs}/café.txt`, "6c007a14875d53d9bf0ef5a6fc0257c817f0fb83"],
        [`${docs}/sub/naïve file.txt`, "37f385b028bf2f93a4b497ca9ff44eea63945b7f"],
        [`${docs}/sub/new.txt`, "389cc6b7ae5a659383eab5dfc253764eccf84732"],
        [`${docs}/sub/d.txt`, "4bd6315d6d7824c4e376847ca7d116738ad2f29a"],
        [`${docs}/a.txt`, "33ccf28396fab0777887e386171761f603edce43"],
      ],
    ],
  ])("%s: decodes to the walk's entries and encodes back byte for byte", (day, expected) => {
    const golden = readFileSync(join(SAMPLES, "collect-incr", day, "srv-sample-tree-docs.sha"));
    const map = decodeDigestPickle(golden);
    expect([...map.entries()]).toEqual(expected);
    expect(encodeDigestPickle(map.entries()).toString("latin1")).toBe(golden.toString("latin1"));
  });

  it("writes an empty map as (dp0 and STOP", () => {
    expect(encodeDigestPickle([]).toString("latin1")).toBe("(dp0\n.");
    expect(decodeDigestPickle(bytes("(dp0\n.")).size).toBe(0);
  });
});

describe("V strings as Python 3 writes them", () => {
  it.each([
    ["plain ASCII", "/etc/hosts", "/etc/hosts"],
    ["empty", "", ""],
    ["backslash", "a\\b", "a\\u005cb"],
    ["text that looks like an escape", "a\\u0041", "a\\u005cu0041"],
    ["NUL, LF, CR, 0x1A", "\0\n\r\x1a", "\\u0000\\u000a\\u000d\\u001a"],
    ["tab and DEL stay raw", "\t\x7f", "\t\x7f"],
    ["Latin-1 as single bytes", "caf\u00e9 \u0080\u00ff", "caf\u00e9 \u0080\u00ff"],
    ["BMP beyond Latin-1", "\u03a9\uffff", "\\u03a9\\uffff"],
    ["astral (a surrogate pair in JS)", "a\u{1f600}b", "a\\U0001f600b"],
    ["undecodable file-name byte", "caf\udce9", "caf\\udce9"],
    ["lone high surrogate", "\ud800x", "\\ud800x"],
  ])("%s", (_what, key, written) => {
    const pickle = encodeDigestPickle([[key, "v"]]);
    expect(pickle.toString("latin1")).toBe(`(dp0\nV${written}\np1\nVv\np2\ns.`);
    expect(decodePickle(pickle)).toEqual({ kind: "dict", entries: [[key, "v"]] });
  });
});

/** Deterministic pseudo-random keys mixing every kind of code point that needs care. */
function trickyEntries(count: number): [string, string][] {
  let seed = 12345;
  const next = (limit: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % limit;
  };
  const pools = [
    () => 0x20 + next(0x5f),
    () => [0x00, 0x0a, 0x0d, 0x1a, 0x5c, 0x09, 0x7f][next(7)] ?? 0,
    () => 0x80 + next(0x80),
    () => 0x100 + next(0xd700),
    () => 0xdc80 + next(0x80),
    () => 0xe000 + next(0x2000),
    () => 0x10000 + next(0x100000),
  ];
  const entries: [string, string][] = [];
  for (let i = 0; i < count; i++) {
    let key = `/k${i}/`;
    const length = next(12);
    for (let j = 0; j < length; j++)
      key += String.fromCodePoint(pools[next(pools.length)]?.() ?? 0);
    entries.push([key, next(2) === 0 ? "0123456789abcdef0123456789abcdef01234567" : key]);
  }
  return entries;
}

describe("agreement with Python's pickle module", () => {
  const script = `
import json, pickle, sys
req = json.loads(sys.stdin.buffer.read().decode("utf-8"))
loaded = pickle.loads(req["ours"].encode("latin1"))
print(json.dumps({
  "dumped": pickle.dumps(dict(req["entries"]), 0).decode("latin1"),
  "loaded": [list(item) for item in loaded.items()],
  "revisions": [pickle.dumps(int(n), 0).decode("latin1") for n in req["revisions"]],
}))`;

  it("writes the same bytes as pickle.dumps and reads what pickle.loads reads", () => {
    const entries = trickyEntries(2000);
    const ours = encodeDigestPickle(entries);
    const revisions = ["0", "782", "-1", "2147483647", "2147483648", "-2147483648", "-2147483649"];
    const answer = python(script, { entries, ours: ours.toString("latin1"), revisions }) as {
      dumped: string;
      loaded: [string, string][];
      revisions: string[];
    };
    expect(ours.toString("latin1")).toBe(answer.dumped);
    expect(answer.loaded).toEqual(entries);
    expect(decodePickle(bytes(answer.dumped))).toEqual({ kind: "dict", entries });
    expect(revisions.map((n) => encodeRevisionPickle(BigInt(n)).toString("latin1"))).toEqual(
      answer.revisions,
    );
  });

  it("decodes S strings (Python 2 str) to the bytes Python decodes", () => {
    const literals = [
      "'abc'",
      '"it\'s"',
      "'\\x41\\x7a\\xff'",
      "'\\101\\0\\08\\777'",
      "'\\a\\b\\f\\n\\r\\t\\v\\\\\\'\\\"'",
      "'\\q\\u0041'",
      "'caf\\xc3\\xa9'",
      "'raw\xe9byte'",
    ];
    const viaPython = python(
      `
import json, pickle, sys
lits = json.loads(sys.stdin.read())
print(json.dumps([list(pickle.loads(b"S" + l.encode("latin1") + b"\\n.", encoding="bytes")) for l in lits]))`,
      literals,
    ) as number[][];
    const ours = literals.map((literal) => {
      const value = decodePickle(bytes(`S${literal}\n.`));
      return value !== null && typeof value === "object" && value.kind === "bytes"
        ? [...value.bytes]
        : value;
    });
    expect(ours).toEqual(viaPython);
  });
});

describe("decodePickle", () => {
  it.each<[string, string, PickleValue]>([
    ["None", "N.", null],
    ["True written as I01", "I01\n.", true],
    ["False written as I00", "I00\n.", false],
    ["negative INT", "I-5\n.", -5n],
    ["INT beyond 32 bits (Python 2, 64-bit)", "I5000000000\n.", 5000000000n],
    ["LONG", "L5000000000L\n.", 5000000000n],
    ["LONG without its L", "L12\n.", 12n],
    ["empty tuple", "(t.", { kind: "tuple", items: [] }],
    [
      "EMPTY_DICT and SETITEMS",
      "}(Va\nVb\nVc\nVd\nu.",
      {
        kind: "dict",
        entries: [
          ["a", "b"],
          ["c", "d"],
        ],
      },
    ],
    [
      "GET of a memoized value",
      "(dp0\nVa\np1\nVx\np2\nsVb\np3\ng2\ns.",
      {
        kind: "dict",
        entries: [
          ["a", "x"],
          ["b", "x"],
        ],
      },
    ],
    ["BINPUT and BINGET", "(Va\nq\x05h\x05t.", { kind: "tuple", items: ["a", "a"] }],
    [
      "LONG_BINPUT and LONG_BINGET",
      "(Va\nr\x00\x01\x00\x00j\x00\x01\x00\x00t.",
      { kind: "tuple", items: ["a", "a"] },
    ],
    [
      "GLOBAL and REDUCE are described, never called",
      "cos\nsystem\n(Vrm -rf /\ntR.",
      {
        kind: "reduce",
        callable: { kind: "global", module: "os", name: "system" },
        args: { kind: "tuple", items: ["rm -rf /"] },
      },
    ],
    [
      "escapes after an even run of backslashes stay literal",
      "V\\\\\\u0041\\\\u0041\n.",
      "\\\\A\\\\u0041",
    ],
    ["bytes after STOP are ignored", "N.garbage", null],
  ])("%s", (_what, pickle, expected) => {
    expect(decodePickle(bytes(pickle))).toEqual(expected);
  });

  it.each([
    ["empty input", "", 0],
    ["unknown opcode", "N\xff.", 1],
    ["no STOP", "(dp0\nVa\np1\n", 11],
    ["line without newline", "Vabc", 0],
    ["GET of a memo never stored", "g7\n.", 0],
    ["bad memo index", "Npx\n.", 1],
    ["truncated BINPUT", "Nq", 1],
    ["SETITEM on a string", "Va\nVb\nVc\ns.", 9],
    ["DICT without MARK", "d.", 0],
    ["odd number of dict items", "(Va\nd.", 4],
    ["STOP on an empty stack", ".", 0],
    ["SETITEM reaching below a MARK", "}Va\n(Vb\ns.", 8],
    ["PUT right after a MARK", "N(p0\n.", 2],
    ["truncated \\u escape", "Vab\\u00\n.", 3],
    ["\\U beyond U+10FFFF", "V\\U00110000\n.", 1],
    ["unquoted S string", "Sabc\n.", 0],
    ["S string with mismatched quotes", "S'abc\"\n.", 0],
    ["trailing backslash in S", "S'a\\'\n.", 3],
    ["invalid \\x escape", "S'\\x4'\n.", 2],
    ["bad INT", "I1x\n.", 0],
    ["bad LONG", "LxL\n.", 0],
    ["REDUCE without a tuple", "cos\nsystem\nVx\nR.", 14],
  ])("refuses %s with the offset", (_what, pickle, offset) => {
    expect(offsetOf(() => decodePickle(bytes(pickle)))).toBe(offset);
  });

  it("says where it failed", () => {
    expect(() => decodePickle(bytes("N\xff."))).toThrow("unsupported opcode 0xff at offset 1");
  });
});

describe("decodeDigestPickle", () => {
  const hex = "da39a3ee5e6b4b0d3255bfef95601890afd80709";

  it("reads a Cedar Backup 2 file with S strings", () => {
    const pickle = bytes(
      `(dp1\nS'/etc/hosts'\np2\nS'${hex}'\np3\nsS'/tmp/caf\\xe9'\np4\nS'${hex}'\np5\n` +
        `sS"/tmp/caf\\xc3\\xa9"\np6\nS'${hex.toUpperCase()}'\np7\ns.`,
    );
    expect([...decodeDigestPickle(pickle).entries()]).toEqual([
      ["/etc/hosts", hex],
      ["/tmp/caf\udce9", hex],
      ["/tmp/café", hex],
    ]);
  });

  it.each([
    ["not a dict", "N."],
    ["a key that is not a string", `(dp0\nI1\nV${hex}\ns.`],
    ["a digest that is not hex", `(dp0\nV/a\nV${hex.slice(1)}x\ns.`],
    ["a digest that is too short", `(dp0\nV/a\nV${hex.slice(1)}\ns.`],
    ["a digest that is not a string", "(dp0\nV/a\nN\ns."],
    ["no pickle at all", "hello"],
  ])("refuses %s", (_what, pickle) => {
    expect(() => decodeDigestPickle(bytes(pickle))).toThrow(PickleError);
  });
});

describe("subversion .svnlast revisions", () => {
  it.each([
    [782n, "I782\n."],
    [0n, "I0\n."],
    [-1n, "I-1\n."],
    [2147483647n, "I2147483647\n."],
    [2147483648n, "L2147483648L\n."],
    [-2147483648n, "I-2147483648\n."],
    [-2147483649n, "L-2147483649L\n."],
    [5000000000n, "L5000000000L\n."],
  ])("%s is written %j", (revision, written) => {
    expect(encodeRevisionPickle(revision).toString("latin1")).toBe(written);
    expect(decodeRevisionPickle(bytes(written))).toBe(revision);
  });

  it.each([782n, 5000000000n])("matches the golden repo-rev-%s.svnlast", (revision) => {
    const golden = readFileSync(join(SAMPLES, "state", `repo-rev-${revision}.svnlast`));
    expect(decodeRevisionPickle(golden)).toBe(revision);
    expect(encodeRevisionPickle(revision).equals(golden)).toBe(true);
  });

  it("reads a pickled True as 1, as Python's int would", () => {
    expect(decodeRevisionPickle(bytes("I01\n."))).toBe(1n);
  });

  it.each(["N.", "Vx\n.", "(t."])("refuses %j", (pickle) => {
    expect(() => decodeRevisionPickle(bytes(pickle))).toThrow(PickleError);
  });
});

describe("mbox .mboxlast datetimes", () => {
  const goldens = readdirSync(join(SAMPLES, "state")).filter((name) => name.endsWith(".mboxlast"));

  it("has golden files to check", () => {
    expect(goldens.length).toBeGreaterThanOrEqual(3);
  });

  it.each(goldens)("%s: decodes to the named value and encodes back byte for byte", (name) => {
    const match = /^mbox-(\d{4})-(\d\d)-(\d\d)T(\d\d)-(\d\d)-(\d\d)(?:\.(\d{6}))?\.mboxlast$/.exec(
      name,
    );
    expect(match).not.toBeNull();
    const [year, month, day, hour, minute, second, micro] = (match ?? []).slice(1);
    const value: PickleDateTime = {
      year: Number(year),
      month: Number(month),
      day: Number(day),
      hour: Number(hour),
      minute: Number(minute),
      second: Number(second),
      microsecond: Number(micro ?? 0),
    };
    const golden = readFileSync(join(SAMPLES, "state", name));
    expect(decodeDatetimePickle(golden)).toEqual(value);
    expect(encodeDatetimePickle(value).toString("latin1")).toBe(golden.toString("latin1"));
  });

  it("writes what Python writes when the state bytes need escaping", () => {
    const values: PickleDateTime[] = [
      { year: 92, month: 10, day: 13, hour: 0, minute: 26, second: 9, microsecond: 0x0a5c0d },
      { year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59, microsecond: 999999 },
      { year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0, microsecond: 0 },
      { year: 2000, month: 2, day: 29, hour: 13, minute: 10, second: 26, microsecond: 92 },
    ];
    const viaPython = python(
      `
import datetime, json, pickle, sys
values = json.loads(sys.stdin.read())
print(json.dumps([pickle.dumps(datetime.datetime(**v), 0).decode("latin1") for v in values]))`,
      values,
    ) as string[];
    expect(values.map((value) => encodeDatetimePickle(value).toString("latin1"))).toEqual(
      viaPython,
    );
    expect(viaPython.map((pickle) => decodeDatetimePickle(bytes(pickle)))).toEqual(values);
  });

  it("reads the Python 2 (S string) layout", () => {
    const pickle = bytes(
      "cdatetime\ndatetime\np1\n(S'\\x07\\xda\\n\\r\\n\\x1a\\t\\x00\\x00\\x00'\np2\ntp3\nRp4\n.",
    );
    expect(decodeDatetimePickle(pickle)).toEqual({
      year: 2010,
      month: 10,
      day: 13,
      hour: 10,
      minute: 26,
      second: 9,
      microsecond: 0,
    });
  });

  it("ignores the fold bit of the month", () => {
    const pickle = bytes(
      "cdatetime\ndatetime\n(S'\\x07\\xe8\\x82\\x1d\\x00\\x00\\x00\\x00\\x00\\x01'\ntR.",
    );
    expect(decodeDatetimePickle(pickle)).toMatchObject({ year: 2024, month: 2, microsecond: 1 });
  });

  const base: PickleDateTime = {
    year: 2024,
    month: 1,
    day: 1,
    hour: 0,
    minute: 0,
    second: 0,
    microsecond: 0,
  };
  it.each<[string, Partial<PickleDateTime>]>([
    ["February 30", { month: 2, day: 30 }],
    ["February 29 of 1900", { year: 1900, month: 2, day: 29 }],
    ["April 31", { month: 4, day: 31 }],
    ["month 13", { month: 13 }],
    ["year 0", { year: 0 }],
    ["hour 24", { hour: 24 }],
    ["a fractional second", { second: 1.5 }],
    ["a microsecond of 10^6", { microsecond: 1_000_000 }],
  ])("refuses to write %s", (_what, change) => {
    expect(() => encodeDatetimePickle({ ...base, ...change })).toThrow(RangeError);
  });

  it.each([
    ["an int", "I5\n."],
    ["another global", "cos\nsystem\n(S'\\x07\\xda\\n\\r\\n\\x1a\\t\\x00\\x00\\x00'\ntR."],
    [
      "a datetime with tzinfo",
      "cdatetime\ndatetime\n(S'\\x07\\xda\\n\\r\\n\\x1a\\t\\x00\\x00\\x00'\nNtR.",
    ],
    ["a short state", "cdatetime\ndatetime\n(S'\\x07\\xda\\n'\ntR."],
    ["month 0", "cdatetime\ndatetime\n(S'\\x07\\xda\\x00\\r\\n\\x1a\\t\\x00\\x00\\x00'\ntR."],
    ["encode with another codec", "cdatetime\ndatetime\n(c_codecs\nencode\n(Vab\nVutf8\ntRtR."],
  ])("refuses %s", (_what, pickle) => {
    expect(() => decodeDatetimePickle(bytes(pickle))).toThrow(PickleError);
  });
});

describe("digest pickles in Python 3's plain shape (read without the general decoder)", () => {
  const entries: [string, string][] = [
    ["/a", "0".repeat(40)],
    ["/caf\udce9 na\u00efve", "ab".repeat(20)],
    ["/back\\slash", "cd".repeat(20)],
    ["/a", "F".repeat(40)],
  ];

  it.each([
    ["no entries", []],
    ["plain entries", entries.slice(0, 2)],
    ["an escaped key and a repeated one", entries],
  ])("reads %s as the general decoder does", (_what, pairs) => {
    const encoded = encodeDigestPickle(pairs);
    const generic = decodePickle(encoded);
    expect(generic).toMatchObject({ kind: "dict" });
    const expected = DigestMap.from(pairs);
    expect([...decodeDigestPickle(encoded)]).toEqual([...expected]);
  });

  it("leaves damaged pickles to the general decoder's errors", () => {
    const good = encodeDigestPickle(entries.slice(0, 1));
    expect(() => decodeDigestPickle(good.subarray(0, good.length - 1))).toThrow(PickleError);
    const badHex = bytes(good.toString("latin1").replace("0".repeat(40), "g".repeat(40)));
    expect(() => decodeDigestPickle(badHex)).toThrow(PickleError);
    const shortHex = bytes(good.toString("latin1").replace("0".repeat(40), "0".repeat(39)));
    expect(() => decodeDigestPickle(shortHex)).toThrow(PickleError);
  });
});
