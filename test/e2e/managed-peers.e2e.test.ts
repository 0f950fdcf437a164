import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupUserRsh, managedClient } from "../support/managed-pool.js";
import { spawnCli } from "../support/run-cli.js";
import { freePort, startSshd, type TestSshd } from "../support/sshd.js";
import { tempDir } from "../support/temp-dir.js";

// Managed peers need `su`, which only root may use (cedar-core.md §3.9, §4.4); CI runs as root.
const isRoot = process.getuid?.() === 0;

let sshd: TestSshd | undefined;
beforeAll(async () => {
  if (isRoot) sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

describe("managed peers through a real sshd on loopback", () => {
  it.runIf(isRoot)(
    "runs our cback on the client as `su <backup_user> -c \"<rsh> <user>@<host> '<cback> [--full] <action>'\"`",
    async () => {
      if (sshd === undefined) throw new Error("sshd did not start");
      const [user1 = "", user2 = ""] = sshd.users;
      const [host1 = "", host2 = ""] = sshd.hosts;
      const root = tempDir();
      chmodSync(root, 0o755);

      // The master's backup user (user1) runs ssh through su: it needs its own copy of the key.
      const ssh = backupUserRsh(root, sshd, user1);
      const rsh = ssh();
      const down = ssh(await freePort());

      const first = managedClient(root, user1);
      const second = managedClient(root, user2);
      const master = join(root, "master");
      for (const sub of ["collect", "work", "data"])
        mkdirSync(join(master, sub), { recursive: true });
      writeFileSync(join(master, "data", "master.txt"), "master data");
      const masterConfig = join(master, "cback.conf");
      writeFileSync(
        masterConfig,
        `<?xml version="1.0"?>
<cb_config>
  <options>
    <starting_day>monday</starting_day>
    <working_dir>${master}/work</working_dir>
    <backup_user>${user1}</backup_user>
    <backup_group>${user1}</backup_group>
    <rcp_command>/usr/bin/scp -B</rcp_command>
    <rsh_command>${rsh}</rsh_command>
    <cback_command>${first.cbackCommand}</cback_command>
    <managed_actions>collect</managed_actions>
  </options>
  <peers>
    <peer><name>${host1}</name><type>remote</type><collect_dir>${first.dir}/collect</collect_dir>
      <backup_user>${user1}</backup_user><managed>Y</managed></peer>
    <peer><name>${host2}</name><type>remote</type><collect_dir>${second.dir}/collect</collect_dir>
      <backup_user>${user2}</backup_user><managed>Y</managed>
      <cback_command>${second.cbackCommand}</cback_command></peer>
    <peer><name>127.0.0.1</name><type>remote</type><collect_dir>/nonexistent</collect_dir>
      <backup_user>${user1}</backup_user><managed>Y</managed>
      <rsh_command>${down}</rsh_command></peer>
  </peers>
  <collect>
    <collect_dir>${master}/collect</collect_dir>
    <collect_mode>daily</collect_mode>
    <archive_mode>tar</archive_mode>
    <ignore_file>.cbignore</ignore_file>
    <dir><abs_path>${master}/data</abs_path></dir>
  </collect>
</cb_config>
`,
      );
      const masterLog = join(master, "cback.log");
      const run = (...switches: string[]) =>
        spawnCli(
          ["--config", masterConfig, "--logfile", masterLog, "--output", ...switches, "collect"],
          { env: { CBACK_LOCK_DIR: root }, timeoutMs: 50_000 },
        );

      const result = await run("--managed");
      // A managed peer that is down is logged at ERROR and does not change the exit code.
      expect(result.stdout).toContain(
        "Failed to execute action [collect] on managed client [127.0.0.1]",
      );
      expect(result.status).toBe(0);

      let log = readFileSync(masterLog, "utf8");
      const remoteLine = (host: string, user: string, command: string, action: string) =>
        `${rsh} ${user}@${host} '${command} ${action}'`;
      expect(log).toContain(remoteLine(host1, user1, first.cbackCommand, "collect"));
      expect(log).toContain(remoteLine(host2, user2, second.cbackCommand, "collect"));
      expect(log).toContain(`${down} ${user1}@127.0.0.1 '`);
      expect(log).toMatch(
        /ERROR.*Failed to execute action \[collect\] on managed client \[127\.0\.0\.1\]/,
      );
      // Local first, then each managed peer in config order (§1.3).
      expect(log.indexOf("Executed the 'collect' action successfully.")).toBeLessThan(
        log.indexOf(`${user1}@${host1}`),
      );
      expect(log.indexOf(`${user1}@${host1}`)).toBeLessThan(log.indexOf(`${user2}@${host2}`));
      expect(readdirSync(join(master, "collect"))).toContain("cback.collect");

      // Each client ran our cback as its ssh login and wrote its tarfile and cback.collect.
      for (const c of [first, second]) {
        const files = readdirSync(join(c.dir, "collect"));
        expect(files).toContain("cback.collect");
        expect(files.filter((f) => f.endsWith(".tar"))).toHaveLength(1);
        const clientLog = readFileSync(c.log, "utf8");
        expect(clientLog).toContain(`"collect"`);
        expect(clientLog).not.toContain("--full");
        expect(clientLog).toContain("Cedar Backup run completed with status 0.");
      }

      // --full is forwarded to every managed peer, and nothing else is.
      const full = await run("--managed", "--full");
      expect(full.status).toBe(0);
      log = readFileSync(masterLog, "utf8");
      expect(log).toContain(remoteLine(host1, user1, first.cbackCommand, "--full collect"));
      expect(log).toContain(remoteLine(host2, user2, second.cbackCommand, "--full collect"));
      for (const c of [first, second]) {
        expect(readFileSync(c.log, "utf8")).toMatch(/Options were \[.* --full .*"collect" \]/);
      }
    },
  );
});
