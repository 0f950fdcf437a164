import { execFileSync } from "node:child_process";
import {
  lstatSync,
  mkdirSync,
  opendirSync,
  readdirSync,
  renameSync,
  symlinkSync,
  writeFileSync,
  type OpenDirOptions,
} from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it, onTestFinished } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { decodeFsName, encodeFsName } from "../domain/fs-name.js";
import { compilePythonPattern } from "../domain/python-regex.js";
import {
  entryStat,
  listSubdirectories,
  selectDirContents,
  selectFile,
  type SelectedEntry,
  type SelectOptions,
} from "./select-files.js";

/** A tree to create: `name/` is a directory, a string is file content. */
type Node = string | { readonly symlink: string } | { readonly fifo: true };
type Spec = Readonly<Record<string, Node>>;

/** Creates `spec` under a fresh temporary directory, in the given order; returns the root. */
function tree(spec: Spec): string {
  const root = tempDir("cback-select-");
  for (const [name, node] of Object.entries(spec)) {
    const path = `${root}/${name}`;
    if (name.endsWith("/")) {
      mkdirSync(path, { recursive: true });
      continue;
    }
    mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    if (typeof node === "string") writeFileSync(path, node);
    else if ("symlink" in node) symlinkSync(node.symlink.replaceAll("$ROOT", root), path);
    else execFileSync("mkfifo", [path]);
  }
  return root;
}

const NO_EXCLUSIONS = { excludePaths: [], excludePatterns: [] } as const;

function options(overrides: Partial<SelectOptions> = {}): SelectOptions {
  return { ...NO_EXCLUSIONS, linkDepth: 0, dereference: false, ...overrides };
}

/** `kind path` with the root shown as `~`, for readable expectations. */
function describeEntries(root: string, entries: readonly SelectedEntry[]): string[] {
  return entries.map((entry) => `${entry.kind} ${entry.path.replaceAll(root, "~")}`);
}

function select(root: string, dir: string, overrides: Partial<SelectOptions> = {}) {
  const skipped: string[] = [];
  const entries = selectDirContents(dir.replaceAll("~", root), options(overrides), (path, reason) =>
    skipped.push(`${path}: ${reason}`.replaceAll(root, "~")),
  );
  return { entries, listed: describeEntries(root, entries), skipped };
}

function sorted(list: readonly string[]): string[] {
  return [...list].sort();
}

const BUFFER_NAMES = { encoding: "buffer" } as unknown as OpenDirOptions;

/** Entry names in the order the directory hands them out (the oracle for Cedar's order). */
function rawNames(dir: string): string[] {
  const handle = opendirSync(encodeFsName(dir), BUFFER_NAMES);
  const names: string[] = [];
  try {
    for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
      names.push(decodeFsName(entry.name as unknown as Buffer));
    }
  } finally {
    handle.closeSync();
  }
  return names;
}

/** `perName` expanded in the directory's raw listing order. */
function inListingOrder(dir: string, perName: Readonly<Record<string, readonly string[]>>) {
  return rawNames(dir).flatMap((name) => {
    const expected = perName[name];
    if (expected === undefined) throw new Error(`no expectation for ${name}`);
    return expected;
  });
}

describe("selectDirContents", () => {
  it("selects files and links in listing order, never directories", () => {
    const root = tree({
      "t/f1": "one",
      "t/sub/f2": "two",
      "t/sub/deeper/f3": "three",
      "t/empty/": "",
      "t/lf": { symlink: "f1" },
      "t/ld": { symlink: "sub" },
    });
    const { entries, listed, skipped } = select(root, "~/t");
    expect(listed).toEqual(
      inListingOrder(`${root}/t`, {
        f1: ["file ~/t/f1"],
        sub: inListingOrder(`${root}/t/sub`, {
          f2: ["file ~/t/sub/f2"],
          deeper: ["file ~/t/sub/deeper/f3"],
        }),
        empty: [],
        lf: ["link ~/t/lf"],
        ld: ["link ~/t/ld"],
      }),
    );
    expect(skipped).toEqual([]);
    const byPath = new Map(entries.map((entry) => [entry.path, entry.stat]));
    expect(byPath.get(`${root}/t/f1`)?.size).toBe(3);
    expect(byPath.get(`${root}/t/lf`)?.isSymbolicLink()).toBe(true);
    expect(byPath.get(`${root}/t/ld`)?.isSymbolicLink()).toBe(true);
  });

  it("keeps the raw listing order instead of sorting", () => {
    // A fixed shuffle: neither creation order, its reverse, nor sorted order.
    const names = Array.from(
      { length: 40 },
      (_, i) => `n${String((i * 17) % 40).padStart(2, "0")}`,
    );
    const root = tree(Object.fromEntries(names.map((name) => [`t/${name}`, name])));
    const raw = rawNames(`${root}/t`);
    expect(raw).not.toEqual(sorted(raw));
    expect(select(root, "~/t").listed).toEqual(raw.map((name) => `file ~/t/${name}`));
  });

  it("strips one trailing slash from the directory", () => {
    const root = tree({ "t/f": "" });
    expect(select(root, "~/t/").listed).toEqual(["file ~/t/f"]);
  });

  it.each([
    ["a missing path", "~/missing", "directory"],
    ["a file", "~/file", "directory"],
    ["a broken link", "~/broken", "directory"],
    ["a link to a file", "~/to-file", "directory"],
  ])("refuses %s, naming it", (_what, dir, kind) => {
    const root = tree({ file: "", broken: { symlink: "nowhere" }, "to-file": { symlink: "file" } });
    const path = dir.replace("~", root);
    expect(() => selectDirContents(path, options())).toThrow(
      `path is not a ${kind} or does not exist on disk: ${path}`,
    );
  });

  it("selects a linked top directory as a link, then its contents under the link's path", () => {
    const root = tree({ "real/f": "", top: { symlink: "real" } });
    expect(select(root, "~/top").listed).toEqual(["link ~/top", "file ~/top/f"]);
  });

  describe("link depth and dereference", () => {
    const spec: Spec = {
      "outside/o.txt": "o",
      "outside/inner/i.txt": "i",
      "walk/plain.txt": "p",
      "walk/ld": { symlink: "../outside" },
      "walk/lf": { symlink: "../outside/o.txt" },
      "walk/sub/ld2": { symlink: "../../outside" },
    };

    it.each<[number, boolean, string[]]>([
      [
        0,
        false,
        ["file ~/walk/plain.txt", "link ~/walk/ld", "link ~/walk/lf", "link ~/walk/sub/ld2"],
      ],
      [
        0,
        true,
        ["file ~/walk/plain.txt", "link ~/walk/ld", "link ~/walk/lf", "link ~/walk/sub/ld2"],
      ],
      [
        1,
        false,
        [
          "file ~/walk/ld/inner/i.txt",
          "file ~/walk/ld/o.txt",
          "file ~/walk/plain.txt",
          "link ~/walk/lf",
          // C16: the depth drops at every level, so a link one level down is not followed.
          "link ~/walk/sub/ld2",
        ],
      ],
      [
        1,
        true,
        [
          "file ~/outside/inner/i.txt",
          "file ~/outside/o.txt",
          "file ~/outside/o.txt",
          "file ~/walk/plain.txt",
          "link ~/walk/ld",
          "link ~/walk/lf",
          "link ~/walk/sub/ld2",
        ],
      ],
      [
        2,
        false,
        [
          "file ~/walk/ld/inner/i.txt",
          "file ~/walk/ld/o.txt",
          "file ~/walk/plain.txt",
          "file ~/walk/sub/ld2/inner/i.txt",
          "file ~/walk/sub/ld2/o.txt",
          "link ~/walk/lf",
        ],
      ],
      [
        2,
        true,
        [
          "file ~/outside/inner/i.txt",
          "file ~/outside/inner/i.txt",
          "file ~/outside/o.txt",
          "file ~/outside/o.txt",
          "file ~/outside/o.txt",
          "file ~/walk/plain.txt",
          "link ~/walk/ld",
          "link ~/walk/lf",
          "link ~/walk/sub/ld2",
        ],
      ],
    ])("link depth %i, dereference %s", (linkDepth, dereference, expected) => {
      const root = tree(spec);
      const { listed, skipped } = select(root, "~/walk", { linkDepth, dereference });
      expect(sorted(listed)).toEqual(expected);
      expect(skipped).toEqual([]);
    });

    it("a link deeper in a followed directory is followed while depth remains", () => {
      const root = tree({
        "target/t.txt": "",
        "other/nested": { symlink: "../target" },
        "walk/l": { symlink: "../other" },
      });
      expect(select(root, "~/walk", { linkDepth: 1 }).listed).toEqual(["link ~/walk/l/nested"]);
      expect(select(root, "~/walk", { linkDepth: 2 }).listed).toEqual([
        "file ~/walk/l/nested/t.txt",
      ]);
    });

    it("adds a dereferenced file target just before its link", () => {
      const root = tree({ "x/f": "", "walk/l": { symlink: "../x/f" } });
      expect(select(root, "~/walk", { linkDepth: 1, dereference: true }).listed).toEqual([
        "file ~/x/f",
        "link ~/walk/l",
      ]);
    });

    it("walks a dereferenced directory before adding its link", () => {
      const root = tree({ "x/f": "", "walk/l": { symlink: "../x" } });
      expect(select(root, "~/walk", { linkDepth: 1, dereference: true }).listed).toEqual([
        "file ~/x/f",
        "link ~/walk/l",
      ]);
    });

    it("keeps a target inside the tree twice (no de-duplication)", () => {
      const root = tree({ "walk/f": "", "walk/l": { symlink: "f" } });
      expect(sorted(select(root, "~/walk", { linkDepth: 1, dereference: true }).listed)).toEqual([
        "file ~/walk/f",
        "file ~/walk/f",
        "link ~/walk/l",
      ]);
    });

    it("resolves relative targets lexically and keeps absolute targets verbatim", () => {
      const root = tree({
        "b/f": "",
        "c/g": "",
        "walk/rel": { symlink: "../b/./f" },
        "walk/abs": { symlink: "$ROOT//c/../c/g" },
      });
      expect(sorted(select(root, "~/walk", { linkDepth: 1, dereference: true }).listed)).toEqual([
        "file ~//c/../c/g",
        "file ~/b/f",
        "link ~/walk/abs",
        "link ~/walk/rel",
      ]);
    });

    it("reports a dereferenced path that resolves lexically to nothing (Cedar would fail)", () => {
      // ~/top/rel reads "../t.txt", which the kernel finds at ~/deep/t.txt but the
      // lexical resolution against ~/top gives ~/t.txt.
      const root = tree({
        "deep/t.txt": "",
        "deep/real/rel": { symlink: "../t.txt" },
        top: { symlink: "deep/real" },
      });
      const { listed, skipped } = select(root, "~/top", { linkDepth: 1, dereference: true });
      expect(listed).toEqual(["link ~/top", "link ~/top/rel"]);
      expect(skipped).toEqual([
        "~/t.txt: dereferenced path of symbolic link ~/top/rel is not a file or directory on disk",
      ]);
    });
  });

  describe("exclusions", () => {
    const spec: Spec = {
      "t/keep.txt": "",
      "t/skip.txt": "",
      "t/logs/a.log": "",
      "t/logs/b.txt": "",
      "t/cache/x": "",
      "t/nested/cache/y": "",
      "t/nested/z": "",
      "t/lk": { symlink: "keep.txt" },
    };
    const all = [
      "file ~/t/cache/x",
      "file ~/t/keep.txt",
      "file ~/t/logs/a.log",
      "file ~/t/logs/b.txt",
      "file ~/t/nested/cache/y",
      "file ~/t/nested/z",
      "file ~/t/skip.txt",
      "link ~/t/lk",
    ];
    const without = (...gone: string[]) =>
      all.filter((line) => !gone.some((g) => line.endsWith(g)));
    const pattern = (source: string) => {
      const compiled = compilePythonPattern(source);
      if (!compiled.ok) throw new Error(compiled.reason);
      return compiled.regex;
    };

    it.each<[string, (root: string) => Partial<SelectOptions>, string[]]>([
      ["nothing excluded", () => ({}), all],
      ["an excluded file", (r) => ({ excludePaths: [`${r}/t/skip.txt`] }), without("skip.txt")],
      ["an excluded link", (r) => ({ excludePaths: [`${r}/t/lk`] }), without("/lk")],
      [
        "an excluded directory, as a set",
        (r) => ({ excludePaths: new Set([`${r}/t/logs`]) }),
        without("a.log", "b.txt"),
      ],
      [
        "an exclusion with a trailing slash never matches",
        (r) => ({ excludePaths: [`${r}/t/logs/`] }),
        all,
      ],
      ["a path pattern", () => ({ excludePatterns: [pattern(".*\\.log")] }), without("a.log")],
      [
        "a pattern pruning directories anywhere",
        () => ({ excludePatterns: [pattern(".*/cache")] }),
        without("cache/x", "cache/y"),
      ],
      ["a pattern is anchored at both ends", () => ({ excludePatterns: [pattern("cache")] }), all],
      [
        "Cedar's alternation leak: ^a|b$ excludes everything starting with a",
        (r) => ({ excludePatterns: [pattern(`${r}/t/n|nothing`)] }),
        without("nested/cache/y", "nested/z"),
      ],
      [
        "a basename pattern",
        () => ({ excludeBasenamePatterns: [pattern("cache|.*\\.txt")] }),
        without("cache/x", "cache/y", "keep.txt", "b.txt", "skip.txt"),
      ],
      ["the directory itself excluded", (r) => ({ excludePaths: [`${r}/t`] }), []],
      [
        "the directory itself matching a pattern",
        () => ({ excludePatterns: [pattern(".*/t")] }),
        [],
      ],
    ])("%s", (_what, overrides, expected) => {
      const root = tree(spec);
      expect(sorted(select(root, "~/t", overrides(root)).listed)).toEqual(expected);
    });

    it("applies exclusions to a dereferenced target but keeps its link", () => {
      const root = tree({ "x/f": "", "walk/l": { symlink: "../x/f" } });
      const { listed } = select(root, "~/walk", {
        linkDepth: 1,
        dereference: true,
        excludePaths: [`${root}/x/f`],
      });
      expect(listed).toEqual(["link ~/walk/l"]);
    });

    it("applies exclusions to paths under a followed link, not to its target's paths", () => {
      const root = tree({ "x/f": "", "x/g": "", "walk/l": { symlink: "../x" } });
      const { listed } = select(root, "~/walk", {
        linkDepth: 1,
        excludePaths: [`${root}/walk/l/f`, `${root}/x/g`],
      });
      expect(listed).toEqual(["file ~/walk/l/g"]);
    });
  });

  describe("ignore file", () => {
    it.each<[string, Spec, string[]]>([
      [
        "prunes the directory holding it",
        { "t/a.txt": "", "t/private/.cbignore": "", "t/private/secret": "", "t/pub/p.txt": "" },
        ["file ~/t/a.txt", "file ~/t/pub/p.txt"],
      ],
      ["prunes the top directory too", { "t/.cbignore": "", "t/a.txt": "" }, []],
      ["counts when it is a directory", { "t/.cbignore/": "", "t/a.txt": "" }, []],
      ["counts when it is a link to a file", { "t/x": "", "t/.cbignore": { symlink: "x" } }, []],
      [
        "does not count when it is a broken link (Python's os.path.exists)",
        { "t/a.txt": "", "t/.cbignore": { symlink: "nowhere" } },
        ["file ~/t/a.txt"],
      ],
    ])("%s", (_what, spec, expected) => {
      const root = tree(spec);
      expect(sorted(select(root, "~/t", { ignoreFile: ".cbignore" }).listed)).toEqual(expected);
    });

    it("is checked in a followed link's target", () => {
      const root = tree({
        "x/.cbignore": "",
        "x/f": "",
        "walk/l": { symlink: "../x" },
        "walk/g": "",
      });
      expect(select(root, "~/walk", { ignoreFile: ".cbignore", linkDepth: 1 }).listed).toEqual([
        "file ~/walk/g",
      ]);
    });
  });

  describe("what is skipped", () => {
    it("reports FIFOs, sockets, broken links, link loops and links to devices", async () => {
      const root = tree({
        "t/f": "",
        "t/pipe": { fifo: true },
        "t/to-pipe": { symlink: "pipe" },
        "t/broken": { symlink: "nowhere" },
        "t/loop-a": { symlink: "loop-b" },
        "t/loop-b": { symlink: "loop-a" },
        "t/null": { symlink: "/dev/null" },
      });
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(`${root}/t/sock`, resolve));
      onTestFinished(() => {
        server.close();
      });
      const { listed, skipped } = select(root, "~/t", { linkDepth: 1, dereference: true });
      expect(listed).toEqual(["file ~/t/f"]);
      expect(sorted(skipped)).toEqual([
        "~/t/broken: broken symbolic link (ENOENT)",
        "~/t/loop-a: broken symbolic link (ELOOP)",
        "~/t/loop-b: broken symbolic link (ELOOP)",
        "~/t/null: symbolic link to neither a file nor a directory (character device)",
        "~/t/pipe: not a file, directory or symbolic link (named pipe)",
        "~/t/sock: not a file, directory or symbolic link (socket)",
        "~/t/to-pipe: symbolic link to neither a file nor a directory (named pipe)",
      ]);
    });

    it.each([
      [false, ["file ~/t/f", "file ~/t/sub/g"]],
      [true, ["file ~/t/f", "file ~/t/sub/g", "link ~/t/sub/up"]],
    ])(
      "stops at a link back to a directory being walked (dereference %s)",
      (dereference, expected) => {
        const root = tree({ "t/f": "", "t/sub/g": "", "t/sub/up": { symlink: ".." } });
        const { listed, skipped } = select(root, "~/t", { linkDepth: 5, dereference });
        expect(sorted(listed)).toEqual(expected);
        expect(skipped).toEqual([
          `${dereference ? "~/t" : "~/t/sub/up"}: symbolic link loop: leads back to a directory being walked`,
        ]);
      },
    );

    it("reports a directory it cannot list and goes on", () => {
      // A chain of long names whose deepest directory is beyond PATH_MAX: built short, then
      // moved under a long name, so the walk meets ENAMETOOLONG even when run as root.
      const root = tree({ "t/a.txt": "", "t/z.txt": "" });
      const long = "d".repeat(250);
      const chain = (length: number) => Array.from({ length }, () => long).join("/");
      mkdirSync(`${root}/s/${chain(16)}`, { recursive: true });
      mkdirSync(`${root}/t/${long}`);
      renameSync(`${root}/s`, `${root}/t/${long}/s`);
      try {
        const { listed, skipped } = select(root, "~/t");
        expect(sorted(listed)).toEqual(["file ~/t/a.txt", "file ~/t/z.txt"]);
        expect(skipped).toEqual([
          `~/t/${long}/s/${chain(16)}: cannot list the directory (ENAMETOOLONG)`,
        ]);
      } finally {
        // Cut the chain in two so the temporary tree can be removed.
        renameSync(`${root}/t/${long}/s/${chain(8)}`, `${root}/rest`);
      }
    });
  });

  it("selects names that are not UTF-8 under Python's surrogateescape spelling", () => {
    const root = tree({ "t/": "" });
    const dir = Buffer.from(`${root}/t/`);
    mkdirSync(Buffer.concat([dir, Buffer.from([0xff, 0x2f])]));
    writeFileSync(Buffer.concat([dir, Buffer.from([0xff, 0x2f, 0x63, 0x61, 0x66, 0xe9])]), "x");
    writeFileSync(Buffer.concat([dir, Buffer.from("ok")]), "y");
    const { entries, listed } = select(root, "~/t", {
      excludePaths: [`${root}/t/ok`],
    });
    expect(listed).toEqual(["file ~/t/\udcff/caf\udce9"]);
    const [entry] = entries;
    expect(entry && lstatSync(encodeFsName(entry.path)).ino).toBe(entry?.stat?.ino);
  });
});

describe("selectDirContents with statFiles: false", () => {
  it("selects the same entries in the same order; only regular files go without an lstat", () => {
    const root = tree({
      "t/a.txt": "a",
      "t/sub/b.txt": "b",
      "t/to-a": { symlink: "a.txt" },
      "t/skip.log": "x",
    });
    const overrides = { excludePatterns: [/^.*\.log$/u], linkDepth: 0 };
    const full = select(root, "~/t", overrides);
    const light = select(root, "~/t", { ...overrides, statFiles: false });
    expect(light.listed).toEqual(full.listed);
    expect(light.skipped).toEqual(full.skipped);
    expect(
      light.entries.map((entry) => [entry.path.replace(root, "~"), entry.stat !== undefined]),
    ).toEqual(full.entries.map((entry) => [entry.path.replace(root, "~"), entry.kind === "link"]));
    // entryStat takes the lstat when the walk did not.
    const file = light.entries.find((entry) => entry.path.endsWith("a.txt"));
    expect(file && entryStat(file).size).toBe(1);
  });
});

describe("selectFile", () => {
  it.each([
    ["a file", "~/file", "file"],
    ["a link to a file, kept as a link", "~/to-file", "link"],
  ])("selects %s", (_what, path, kind) => {
    const root = tree({ file: "abc", "to-file": { symlink: "file" } });
    const entry = selectFile(path.replace("~", root));
    expect(entry.kind).toBe(kind);
    expect(entry.path).toBe(path.replace("~", root));
    expect(entry.stat?.isSymbolicLink()).toBe(kind === "link");
  });

  it.each([
    ["a directory", "~/dir"],
    ["a link to a directory", "~/to-dir"],
    ["a missing path", "~/missing"],
    ["a broken link", "~/broken"],
    ["a file written with a trailing slash", "~/file/"],
    ["a named pipe", "~/pipe"],
  ])("refuses %s, naming it", (_what, path) => {
    const root = tree({
      file: "",
      "dir/": "",
      "to-dir": { symlink: "dir" },
      broken: { symlink: "nowhere" },
      pipe: { fifo: true },
    });
    const full = path.replace("~", root);
    expect(() => selectFile(full)).toThrow(`path is not a file or does not exist on disk: ${full}`);
  });
});

describe("listSubdirectories", () => {
  const spec: Spec = {
    "t/b/x": "",
    "t/a/": "",
    "t/ignored/.cbignore": "",
    "t/gone/": "",
    "t/cache/": "",
    "t/file": "",
    "t/link": { symlink: "a" },
  };

  it("lists real subdirectories in listing order, with exclusions and without the ignore file", () => {
    const root = tree(spec);
    const pattern = compilePythonPattern(".*/cache");
    if (!pattern.ok) throw new Error(pattern.reason);
    const listed = listSubdirectories(`${root}/t/`, {
      excludePaths: [`${root}/t/gone`],
      excludePatterns: [pattern.regex],
    });
    expect(listed).toEqual(
      inListingOrder(`${root}/t`, {
        b: [`${root}/t/b`],
        a: [`${root}/t/a`],
        ignored: [`${root}/t/ignored`],
        gone: [],
        cache: [],
        file: [],
        link: [],
      }),
    );
  });

  it("applies basename patterns", () => {
    const root = tree(spec);
    const pattern = compilePythonPattern("[a-c].*");
    if (!pattern.ok) throw new Error(pattern.reason);
    expect(
      sorted(
        listSubdirectories(`${root}/t`, {
          ...NO_EXCLUSIONS,
          excludeBasenamePatterns: [pattern.regex],
        }),
      ),
    ).toEqual([`${root}/t/gone`, `${root}/t/ignored`]);
  });

  it("lists nothing in an excluded directory", () => {
    const root = tree(spec);
    expect(
      listSubdirectories(`${root}/t`, { ...NO_EXCLUSIONS, excludePaths: [`${root}/t`] }),
    ).toEqual([]);
  });

  it("lists through a linked directory under the link's path", () => {
    const root = tree({ "real/sub/": "", t: { symlink: "real" } });
    expect(listSubdirectories(`${root}/t`, NO_EXCLUSIONS)).toEqual([`${root}/t/sub`]);
  });

  it("refuses a path that is not a directory", () => {
    const root = tree({ file: "" });
    expect(() => listSubdirectories(`${root}/file`, NO_EXCLUSIONS)).toThrow(
      `path is not a directory or does not exist on disk: ${root}/file`,
    );
  });

  it("does not sort", () => {
    const names = Array.from(
      { length: 30 },
      (_, i) => `d${String((i * 7) % 30).padStart(2, "0")}/`,
    );
    const root = tree(Object.fromEntries(names.map((name) => [`t/${name}`, ""])));
    const raw = readdirSync(`${root}/t`);
    const listed = listSubdirectories(`${root}/t`, NO_EXCLUSIONS);
    expect(sorted(listed)).toEqual(raw.map((name) => `${root}/t/${name}`));
    expect(listed).toEqual(rawNames(`${root}/t`).map((name) => `${root}/t/${name}`));
    expect(listed).not.toEqual(sorted(listed));
  });
});
