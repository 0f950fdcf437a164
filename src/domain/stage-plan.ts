/**
 * Pure rules of the `stage` action (cedar-core.md §3.3): the daily staging directory, the
 * ignore-failures decision and the exact argv Cedar runs to talk to a remote peer.
 */
import { splitCommandLine } from "./split-command-line.js";

/** Name of the indicator collect writes when a client's collect directory is complete. */
export const COLLECT_INDICATOR = "cback.collect";
/** Name of the indicator stage writes per staged peer and in the daily staging directory. */
export const STAGE_INDICATOR = "cback.stage";
/** Cedar's rcp argv when a remote peer's copy command is empty. */
export const DEFAULT_RCP_ARGV: readonly string[] = ["/usr/bin/scp", "-B", "-q", "-C"];

/** A peer's `<ignore_failures>` mode (unset behaves as `none`). */
export type IgnoreFailureMode = "none" | "all" | "daily" | "weekly";

/** Python's `os.path.join(base, part)` for a relative part: one `/` unless base ends with one. */
function pythonJoin(base: string, part: string): string {
  return base === "" || base.endsWith("/") ? base + part : `${base}/${part}`;
}

/**
 * The daily staging directory `staging_dir/YYYY/MM/DD`, named from the **local** date of
 * `now` (zero-padded, as `time.strftime("%Y/%m/%d")`).
 */
export function dailyStagingDir(stagingDir: string, now: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const day = `${now.getFullYear()}/${pad(now.getMonth() + 1)}/${pad(now.getDate())}`;
  return pythonJoin(stagingDir, day);
}

/**
 * Whether a peer's "not ready to be staged" is tolerated (logged at INFO, not ERROR):
 * `none`/unset never, `all` always; otherwise on a full run or the start of the week iff the
 * mode is `weekly`, on other days iff it is `daily`.
 */
export function ignoresFailures(
  mode: IgnoreFailureMode | undefined,
  full: boolean,
  startOfWeek: boolean,
): boolean {
  if (mode === undefined || mode === "none") return false;
  if (mode === "all") return true;
  return full || startOfWeek ? mode === "weekly" : mode === "daily";
}

/** Cedar's escaping of a path in a single-file copy: each space becomes backslash-space. */
export function escapeSpaces(path: string): string {
  return path.replaceAll(" ", "\\ ");
}

/** How the master reaches one remote peer. */
export interface RemoteCopySpec {
  /** The peer's name, used as the host. */
  readonly host: string;
  /** Login on the peer. */
  readonly remoteUser: string;
  /** The rcp command string as configured (split for direct runs, verbatim inside `su -c`). */
  readonly rcpCommand: string;
  /**
   * The local backup user to run the copy as through `su` (only when running as root);
   * undefined runs the rcp command directly.
   */
  readonly localUser: string | undefined;
  /**
   * Beyond Cedar: a control socket path through which OpenSSH `scp` shares one connection
   * across the peer's copies (see {@link sharesConnection}); undefined runs Cedar's argv.
   */
  readonly controlPath?: string;
}

/** How long an idle shared connection outlives its last copy, in seconds. */
export const CONTROL_PERSIST_SECONDS = 30;

/**
 * Whether the rcp command is OpenSSH's `scp` (by program name), which passes `-o` options
 * to ssh, so its copies can share one connection (`ControlMaster`).
 */
export function sharesConnection(rcpCommand: string): boolean {
  const program = splitCommandLine(rcpCommand)[0] ?? "";
  return program === "scp" || program.endsWith("/scp");
}

/** The ssh options that make the copies of one peer share a connection. */
function sharingOptions(spec: RemoteCopySpec): readonly string[] {
  if (spec.controlPath === undefined) return [];
  return [
    "-o",
    "ControlMaster=auto",
    "-o",
    `ControlPath=${spec.controlPath}`,
    "-o",
    `ControlPersist=${CONTROL_PERSIST_SECONDS}`,
  ];
}

/** The rcp command as one string inside `su -c`, with the sharing options appended. */
function suCommand(spec: RemoteCopySpec): string {
  return [spec.rcpCommand, ...sharingOptions(spec)].join(" ");
}

/** The rcp command as an argv, with the sharing options appended. */
function directArgv(spec: RemoteCopySpec): readonly string[] {
  return [...rcpArgv(spec.rcpCommand), ...sharingOptions(spec)];
}

/**
 * argv that ends a shared connection: `ssh -o ControlPath=<path> -O exit user@host`, with
 * the `ssh` beside the configured `scp` (or `ssh` from PATH). Run as the invoking user: the
 * master accepts its own user and root.
 */
export function closeConnectionArgv(spec: RemoteCopySpec): readonly string[] | undefined {
  if (spec.controlPath === undefined) return undefined;
  const program = splitCommandLine(spec.rcpCommand)[0] ?? "";
  const slash = program.lastIndexOf("/");
  const ssh = slash < 0 ? "ssh" : `${program.slice(0, slash + 1)}ssh`;
  return [
    ssh,
    "-o",
    `ControlPath=${spec.controlPath}`,
    "-O",
    "exit",
    `${spec.remoteUser}@${spec.host}`,
  ];
}

/** Cedar's split of the rcp command string, falling back to its default argv when empty. */
export function rcpArgv(rcpCommand: string): readonly string[] {
  const argv = splitCommandLine(rcpCommand);
  return argv.length > 0 ? argv : DEFAULT_RCP_ARGV;
}

function su(localUser: string, command: string): readonly string[] {
  return ["su", localUser, "-c", command];
}

/**
 * argv fetching the peer's collect indicator into `workingDir`:
 * `<rcp…> user@host:<collect_dir escaped>/cback.collect <working_dir>/cback.collect`, or
 * `su <local_user> -c "<rcp> user@host:<escaped source> <target>"` as root.
 */
export function fetchIndicatorArgv(
  spec: RemoteCopySpec,
  collectDir: string,
  workingDir: string,
): readonly string[] {
  const source = `${spec.remoteUser}@${spec.host}:${escapeSpaces(pythonJoin(collectDir, COLLECT_INDICATOR))}`;
  const target = pythonJoin(workingDir, COLLECT_INDICATOR);
  if (spec.localUser !== undefined) {
    return su(spec.localUser, `${suCommand(spec)} ${source} ${target}`);
  }
  return [...directArgv(spec), source, target];
}

/**
 * argv copying every (non-dot) file of the peer's collect directory into `targetDir`:
 * `<rcp…> user@host:<collect_dir>/* <target_dir>` (spaces not escaped, as in Cedar), or the
 * same string inside `su <local_user> -c` as root. The remote shell expands the `*`.
 */
export function copyAllArgv(
  spec: RemoteCopySpec,
  collectDir: string,
  targetDir: string,
): readonly string[] {
  const source = `${spec.remoteUser}@${spec.host}:${collectDir}/*`;
  if (spec.localUser !== undefined) {
    return su(spec.localUser, `${suCommand(spec)} ${source} ${targetDir}`);
  }
  return [...directArgv(spec), source, targetDir];
}

/**
 * argv pushing `<working_dir>/cback.stage` to the peer's collect directory:
 * `<rcp…> <working_dir escaped>/cback.stage user@host:<collect_dir escaped>/cback.stage`, or
 * as root `su <local_user> -c '<rcp> "<working_dir>/cback.stage" "user@host:<collect_dir>/cback.stage"'`
 * (double quotes, no escaping).
 */
export function pushStageIndicatorArgv(
  spec: RemoteCopySpec,
  workingDir: string,
  collectDir: string,
): readonly string[] {
  const source = pythonJoin(workingDir, STAGE_INDICATOR);
  const target = pythonJoin(collectDir, STAGE_INDICATOR);
  const login = `${spec.remoteUser}@${spec.host}`;
  if (spec.localUser !== undefined) {
    return su(spec.localUser, `${suCommand(spec)} "${source}" "${login}:${target}"`);
  }
  return [...directArgv(spec), escapeSpaces(source), `${login}:${escapeSpaces(target)}`];
}
