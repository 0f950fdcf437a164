/**
 * Filesystem questions the validate action asks: does a path exist with the given access,
 * does a program resolve, is a device mounted, do a user and group exist.
 */
import { constants } from "node:fs";
import { access, readFile, realpath, stat } from "node:fs/promises";
import { delimiter, isAbsolute, join } from "node:path";
import { findAccountId, SYSTEM_ACCOUNT_FILES } from "../log/account-names.js";

/** The access a directory or file needs. */
export type AccessNeed = "read" | "write";

/**
 * Why `path` cannot be used as a directory with the given access, or `undefined` when it can.
 * A directory needs read+execute to be listed and write+execute to be written to.
 */
export async function directoryProblem(
  path: string,
  need: AccessNeed,
): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) return "is not a directory";
  } catch {
    return "does not exist";
  }
  const mode = need === "write" ? constants.W_OK | constants.X_OK : constants.R_OK | constants.X_OK;
  try {
    await access(path, mode);
    return undefined;
  } catch {
    return need === "write" ? "is not writable" : "is not readable";
  }
}

/** Why `path` cannot be read as a file (links followed), or `undefined`. */
export async function fileProblem(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return "is not a regular file";
    await access(path, constants.R_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT"
      ? "does not exist"
      : "is not readable";
  }
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolve a program the way the runner will: through the override map, then as a path, then
 * along `PATH`.
 * @returns the executable path, or `undefined` when it cannot be found.
 */
export async function resolveProgram(
  program: string,
  overrides: ReadonlyMap<string, string>,
  pathVariable: string | undefined,
): Promise<string | undefined> {
  const target = overrides.get(program) ?? program;
  if (target.includes("/")) return (await isExecutableFile(target)) ? target : undefined;
  for (const dir of (pathVariable ?? "").split(delimiter)) {
    if (dir === "" || !isAbsolute(dir)) continue;
    const candidate = join(dir, target);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** Whether a device (or what it links to) is listed as mounted in the given mount table. */
export async function isDeviceMounted(
  device: string,
  mountTable = "/proc/mounts",
): Promise<boolean> {
  let table: string;
  try {
    table = await readFile(mountTable, "utf8");
  } catch {
    return false;
  }
  const real = await realpath(device).catch(() => device);
  return table.split("\n").some((line) => {
    const source = line.split(/\s+/)[0];
    return source === device || source === real;
  });
}

async function hasAccount(file: string, name: string): Promise<boolean> {
  try {
    return findAccountId(await readFile(file, "utf8"), name) !== undefined;
  } catch {
    return false;
  }
}

/** Whether a user name exists in `/etc/passwd` (lookup by name, as Cedar's `getUidGid`). */
export async function userExists(
  name: string,
  passwd = SYSTEM_ACCOUNT_FILES.passwd,
): Promise<boolean> {
  return hasAccount(passwd, name);
}

/** Whether a group name exists in `/etc/group`. */
export async function groupExists(
  name: string,
  group = SYSTEM_ACCOUNT_FILES.group,
): Promise<boolean> {
  return hasAccount(group, name);
}
