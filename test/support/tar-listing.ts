import { execFileSync } from "node:child_process";

/** One member of an archive as GNU tar lists it. */
export interface TarMember {
  readonly name: string;
  readonly type: string;
  readonly mode: string;
  readonly size: number;
  readonly mtime: number;
  readonly linkTarget?: string;
}

/**
 * List an archive with GNU tar (`--full-time`, numeric ids, UTC): names, types, modes, sizes,
 * mtimes and link targets, in archive order. Compression is detected by tar itself.
 */
export function listTar(path: string): TarMember[] {
  const out = execFileSync(
    "tar",
    ["--list", "--verbose", "--full-time", "--numeric-owner", "--quoting-style=escape", "-f", path],
    {
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", TZ: "UTC", LC_ALL: "C.UTF-8" },
    },
  );
  return out
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const match = /^(\S)(\S{9})\s+\S+\s+(\d+)\s+(\S+ \S+)\s(.*)$/.exec(line);
      if (match === null) throw new Error(`unexpected tar listing line: ${line}`);
      const [, type = "", mode = "", size = "0", time = "", rest = ""] = match;
      const arrow =
        type === "l" ? rest.split(" -> ") : type === "h" ? rest.split(" link to ") : [rest];
      return {
        name: arrow[0] ?? "",
        type,
        mode,
        size: Number(size),
        mtime: Date.parse(`${time.replace(" ", "T")}Z`) / 1000,
        ...(arrow[1] === undefined ? {} : { linkTarget: arrow[1] }),
      };
    });
}
