import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatCommandLine } from "../../src/exec/command-line.js";
import {
  ageFile,
  argvRecorder,
  chownTree,
  managedClient,
  type ManagedClient,
} from "../support/managed-pool.js";
import { spawnCli } from "../support/run-cli.js";
import { setUpBackupUserSsh, startSshd, type TestSshd } from "../support/sshd.js";
import { tempDir } from "../support/temp-dir.js";

// Managed peers need `su`, which only root may use (cedar-core.md §3.9, §4.4); CI runs as root.
const isRoot = process.getuid?.() === 0;

/** The master's backup user: `su` runs `ssh` as this user, with its own ~/.ssh. */
const MANAGER = "cbmanager";
const RSH = "/usr/bin/ssh";

let sshd: TestSshd | undefined;
beforeAll(async () => {
  if (!isRoot) return;
  sshd = await startSshd();
  setUpBackupUserSsh(sshd, MANAGER);
});
afterAll(async () => {
  await sshd?.stop();
});

/** A purge directory holding `old.tar.gz` (10 days old) and `fresh.tar.gz` (new). */
function fillPurgeDir(dir: string, user?: string): void {
  writeFileSync(join(dir, "old.tar.gz"), "old");
  ageFile(join(dir, "old.tar.gz"), 10);
  writeFileSync(join(dir, "fresh.tar.gz"), "fresh");
  if (user !== undefined) chownTree(dir, user);
}

/**
 * A master and two managed clients. Client 1 inherits the options' `cback_command` and
 * `managed_actions` (collect, stage, purge); client 2 has its own command and its own list
 * (purge only), which replaces the options list (§2.3.4). Both clients' commands start
 * with a recorder that writes down the argv each client received. A peer of the `<stage>`
 * section marked managed is never managed (§3.9): it would show up as a third client.
 */
function pool(sshd: TestSshd) {
  const [user1 = "", user2 = ""] = sshd.users;
  const [host1 = "", host2 = "", host3 = ""] = sshd.hosts;
  const root = tempDir();
  // Clients reach their directories below it as their own logins.
  chmodSync(root, 0o755);
  const recorder = argvRecorder(root);
  const first = managedClient(root, user1, { purge: 2, stage: true, wrapper: recorder.script });
  const second = managedClient(root, user2, { purge: 2, wrapper: recorder.script });
  fillPurgeDir(first.purgeDir, user1);
  fillPurgeDir(second.purgeDir, user2);

  const master = join(root, "master");
  for (const sub of ["collect", "work", "data", "purge"]) {
    mkdirSync(join(master, sub), { recursive: true });
  }
  writeFileSync(join(master, "data", "master.txt"), "master data");
  fillPurgeDir(join(master, "purge"));
  const hookMark = join(master, "purge-hook-ran");
  const config = join(master, "cback.conf");
  writeFileSync(
    config,
    `<?xml version="1.0"?>
<cb_config>
  <options>
    <starting_day>monday</starting_day>
    <working_dir>${master}/work</working_dir>
    <backup_user>${MANAGER}</backup_user>
    <backup_group>${MANAGER}</backup_group>
    <rcp_command>/usr/bin/scp -B</rcp_command>
    <rsh_command>${RSH}</rsh_command>
    <cback_command>${first.cbackCommand}</cback_command>
    <managed_actions>collect,stage,purge</managed_actions>
    <pre_action_hook><action>purge</action><command>/usr/bin/touch ${hookMark}</command></pre_action_hook>
  </options>
  <peers>
    <peer><name>${host1}</name><type>remote</type><collect_dir>${first.dir}/collect</collect_dir>
      <backup_user>${user1}</backup_user><managed>Y</managed></peer>
    <peer><name>${host2}</name><type>remote</type><collect_dir>${second.dir}/collect</collect_dir>
      <backup_user>${user2}</backup_user><managed>Y</managed>
      <cback_command>${second.cbackCommand}</cback_command>
      <managed_actions>purge</managed_actions></peer>
  </peers>
  <collect>
    <collect_dir>${master}/collect</collect_dir>
    <collect_mode>daily</collect_mode>
    <archive_mode>tar</archive_mode>
    <ignore_file>.cbignore</ignore_file>
    <dir><abs_path>${master}/data</abs_path></dir>
  </collect>
  <stage><staging_dir>${master}/staging</staging_dir>
    <peer><name>${host3}</name><type>remote</type><collect_dir>${first.dir}/collect</collect_dir>
      <backup_user>${user1}</backup_user><managed>Y</managed>
      <managed_actions>collect,stage,purge</managed_actions></peer>
  </stage>
  <purge><dir><abs_path>${master}/purge</abs_path><retain_days>2</retain_days></dir></purge>
</cb_config>
`,
  );
  const log = join(master, "cback.log");
  const run = (...args: string[]) =>
    spawnCli(["--config", config, "--logfile", log, "--output", ...args], {
      env: { CBACK_LOCK_DIR: root },
      timeoutMs: 25_000,
    });
  /** What Cedar runs for one managed action: `su <backup_user> -c "<rsh> <user>@<host> '<command>'"`. */
  const suLine = (client: ManagedClient, user: string, host: string, words: string) =>
    formatCommandLine("su", [
      MANAGER,
      "-c",
      `${RSH} ${user}@${host} '${client.cbackCommand} ${words}'`,
    ]);
  /** The argv a client's shell gives the recorder for `<cback_command> <words>`. */
  const received = (client: ManagedClient, user: string, words: string) => ({
    user,
    args: [...client.cbackCommand.split(" ").slice(1), ...words.split(" ")],
  });
  return {
    user1,
    user2,
    host1,
    host2,
    first,
    second,
    master,
    hookMark,
    log,
    run,
    suLine,
    received,
    calls: recorder.calls,
  };
}

/** The purge directory kept what is recent and lost what is old. */
function expectPurged(dir: string): void {
  expect(readdirSync(dir).sort()).toEqual(["fresh.tar.gz"]);
}

function expectNotPurged(dir: string): void {
  expect(readdirSync(dir).sort()).toEqual(["fresh.tar.gz", "old.tar.gz"]);
}

describe("managed actions through a real sshd on loopback", () => {
  it.runIf(isRoot)(
    "--managed-only runs collect, stage and purge only on the managed peers that list them",
    async () => {
      if (sshd === undefined) throw new Error("sshd did not start");
      const p = pool(sshd);

      const result = await p.run("--managed-only", "collect", "stage", "purge");
      const log = readFileSync(p.log, "utf8");
      expect(result.status, log).toBe(0);

      // Each peer in config order, for each action it lists (stage and collect are not in
      // client 2's own list), and only `<cback_command> <action>` reached the client.
      expect(p.calls()).toEqual([
        p.received(p.first, p.user1, "collect"),
        p.received(p.first, p.user1, "stage"),
        p.received(p.first, p.user1, "purge"),
        p.received(p.second, p.user2, "purge"),
      ]);
      const suLines = [
        p.suLine(p.first, p.user1, p.host1, "collect"),
        p.suLine(p.first, p.user1, p.host1, "stage"),
        p.suLine(p.first, p.user1, p.host1, "purge"),
        p.suLine(p.second, p.user2, p.host2, "purge"),
      ];
      const positions = suLines.map((line) => log.indexOf(line));
      expect(positions.every((at) => at >= 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);

      // No local action ran, so no local hook either (§1.3).
      expect(log).not.toMatch(/Executing the '(collect|stage|purge)' action\./);
      expect(readdirSync(join(p.master, "collect"))).toEqual([]);
      expect(existsSync(join(p.master, "staging"))).toBe(false);
      expectNotPurged(join(p.master, "purge"));
      expect(existsSync(p.hookMark)).toBe(false);

      // Client 1 collected, staged its collect directory and purged.
      const collected = readdirSync(join(p.first.dir, "collect"));
      expect(collected.filter((name) => name.endsWith(".tar"))).toHaveLength(1);
      expect(collected).toContain("cback.collect");
      expect(collected).toContain("cback.stage");
      const staged = readdirSync(join(p.first.dir, "staging"), { recursive: true }).map(String);
      expect(staged.some((path) => path.endsWith("/self/cback.collect"))).toBe(true);
      expect(staged.filter((path) => /\/self\/.*\.tar$/.test(path))).toHaveLength(1);
      expectPurged(p.first.purgeDir);
      expect(
        readFileSync(p.first.log, "utf8").match(/run completed with status 0\./g),
      ).toHaveLength(3);

      // Client 2 only purged.
      expect(readdirSync(join(p.second.dir, "collect"))).toEqual([]);
      expect(existsSync(join(p.second.dir, "staging"))).toBe(false);
      expectPurged(p.second.purgeDir);
      expect(
        readFileSync(p.second.log, "utf8").match(/run completed with status 0\./g),
      ).toHaveLength(1);
    },
  );

  it.runIf(isRoot)(
    "--managed --full purge: purge runs locally (with its hook), then on each managed peer in config order, with --full forwarded",
    async () => {
      if (sshd === undefined) throw new Error("sshd did not start");
      const p = pool(sshd);

      const result = await p.run("--managed", "--full", "purge");
      const log = readFileSync(p.log, "utf8");
      expect(result.status, log).toBe(0);

      expect(p.calls()).toEqual([
        p.received(p.first, p.user1, "--full purge"),
        p.received(p.second, p.user2, "--full purge"),
      ]);
      const local = log.indexOf("Executing the 'purge' action.");
      const purged = log.indexOf(`Purged 1 files and 0 directories from [${p.master}/purge]`);
      const onFirst = log.indexOf(p.suLine(p.first, p.user1, p.host1, "--full purge"));
      const onSecond = log.indexOf(p.suLine(p.second, p.user2, p.host2, "--full purge"));
      expect(local).toBeGreaterThanOrEqual(0);
      expect([local, purged, onFirst, onSecond].every((at) => at >= 0)).toBe(true);
      expect(local).toBeLessThan(purged);
      expect(purged).toBeLessThan(onFirst);
      expect(onFirst).toBeLessThan(onSecond);

      expect(existsSync(p.hookMark)).toBe(true);
      expectPurged(join(p.master, "purge"));
      expectPurged(p.first.purgeDir);
      expectPurged(p.second.purgeDir);
      // Only purge was asked for: nothing collected anywhere.
      expect(readdirSync(join(p.master, "collect"))).toEqual([]);
      expect(readdirSync(join(p.first.dir, "collect"))).toEqual([]);
      for (const client of [p.first, p.second]) {
        expect(readFileSync(client.log, "utf8")).toMatch(/Options were \[.* --full .*"purge" \]/);
      }
    },
  );
});
