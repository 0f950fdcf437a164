import { execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { binPath } from "./run-cli.js";
import type { TestSshd } from "./sshd.js";

/**
 * A pool on one machine for root-only e2e tests (managed peers, stage through `su`): clients
 * are directories owned by the sshd's throwaway users, reached over the test sshd.
 */

/** `chown -R <user>:<group>` (the user's login group when `group` is omitted). */
export function chownTree(path: string, user: string, group = ""): void {
  execFileSync("chown", ["-R", `${user}:${group}`, path]);
}

/** uid of `user` and gid of `group` (the user's primary group when omitted). */
export function accountIds(user: string, group?: string): { uid: number; gid: number } {
  const id = (...args: string[]) => Number(execFileSync("id", args, { encoding: "utf8" }).trim());
  const gid =
    group === undefined
      ? id("-g", user)
      : Number(execFileSync("getent", ["group", group], { encoding: "utf8" }).split(":")[2]);
  return { uid: id("-u", user), gid };
}

/** Set a file's atime and mtime `days` days back (purge counts the later of the two). */
export function ageFile(path: string, days: number): void {
  const then = new Date(Date.now() - days * 86_400_000);
  utimesSync(path, then, then);
}

/**
 * The master's `rsh_command` for `port` as run by `user` through `su`: a copy of the sshd's
 * client key owned by `user` (in `root/keys-<user>`), no ssh config, no host key checks.
 */
export function backupUserRsh(
  root: string,
  sshd: TestSshd,
  user: string,
): (port?: number) => string {
  const keys = join(root, `keys-${user}`);
  mkdirSync(keys);
  const key = join(keys, "id_ed25519");
  copyFileSync(sshd.key, key);
  chmodSync(key, 0o600);
  chownTree(keys, user);
  return (port = sshd.port) =>
    `/usr/bin/ssh -F /dev/null -i ${key} -p ${port} -o StrictHostKeyChecking=no ` +
    `-o UserKnownHostsFile=/dev/null -o BatchMode=yes -o IdentitiesOnly=yes ` +
    `-o ConnectTimeout=5 -o LogLevel=ERROR`;
}

/** One command line a client received, as {@link argvRecorder} wrote it down. */
export interface RecordedCall {
  /** The login the command ran as on the client. */
  readonly user: string;
  /** Its arguments as the client's shell split them (the recorder itself not included). */
  readonly args: readonly string[];
}

/**
 * A wrapper to put first in a client's `cback_command`: it appends the login and the argv it
 * was given to one log shared by every client (so the log also shows the order across
 * clients), then `exec`s that argv.
 */
export function argvRecorder(root: string): { script: string; calls: () => RecordedCall[] } {
  const dir = join(root, "recorder");
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  const log = join(dir, "calls.log");
  writeFileSync(log, "");
  chmodSync(log, 0o666);
  const script = join(dir, "record-argv");
  writeFileSync(
    script,
    `#!/bin/sh
line=$(id -un)
for arg in "$@"; do line="$line\t$arg"; done
printf '%s\\n' "$line" >> ${log}
exec "$@"
`,
  );
  chmodSync(script, 0o755);
  return {
    script,
    calls: () =>
      readFileSync(log, "utf8")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => {
          const [user = "", ...args] = line.split("\t");
          return { user, args };
        }),
  };
}

/** What a managed client is made of (see {@link managedClient}). */
export interface ManagedClient {
  readonly dir: string;
  readonly config: string;
  readonly log: string;
  /** `cback_command` running our built cback on this client's config and log. */
  readonly cbackCommand: string;
  /** The client's `<purge>` directory (only with `purge` set). */
  readonly purgeDir: string;
}

/**
 * A managed client: its own configuration, collect directory and data tree, all owned by
 * `user`, who is the login the master's ssh reaches. With `purge` its config purges
 * `<dir>/purge` (retain_days given); with `stage` it stages its own collect directory as a
 * local peer named `self` into `<dir>/staging`. `wrapper` goes before the cback command.
 */
export function managedClient(
  root: string,
  user: string,
  extras: { purge?: number; stage?: boolean; wrapper?: string } = {},
): ManagedClient {
  const dir = join(root, `client-${user}`);
  const subs = ["collect", "work", "data", ...(extras.purge === undefined ? [] : ["purge"])];
  for (const sub of subs) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, "data", "notes.txt"), `notes of ${user}`);
  const config = join(dir, "cback.conf");
  const purge =
    extras.purge === undefined
      ? ""
      : `<purge><dir><abs_path>${dir}/purge</abs_path><retain_days>${extras.purge}</retain_days></dir></purge>`;
  const stage =
    extras.stage === true
      ? `<stage><staging_dir>${dir}/staging</staging_dir>
    <peer><name>self</name><type>local</type><collect_dir>${dir}/collect</collect_dir></peer>
  </stage>`
      : "";
  writeFileSync(
    config,
    `<?xml version="1.0"?>
<cb_config>
  <options>
    <starting_day>monday</starting_day>
    <working_dir>${dir}/work</working_dir>
    <backup_user>${user}</backup_user>
    <backup_group>${user}</backup_group>
    <rcp_command>/usr/bin/scp -B</rcp_command>
  </options>
  <collect>
    <collect_dir>${dir}/collect</collect_dir>
    <collect_mode>daily</collect_mode>
    <archive_mode>tar</archive_mode>
    <ignore_file>.cbignore</ignore_file>
    <dir><abs_path>${dir}/data</abs_path></dir>
  </collect>
  ${stage}
  ${purge}
</cb_config>
`,
  );
  chownTree(dir, user);
  const log = join(dir, "cback.log");
  const cback = `${process.execPath} ${binPath()} --config ${config} --logfile ${log}`;
  const cbackCommand = extras.wrapper === undefined ? cback : `${extras.wrapper} ${cback}`;
  return { dir, config, log, cbackCommand, purgeDir: join(dir, "purge") };
}
