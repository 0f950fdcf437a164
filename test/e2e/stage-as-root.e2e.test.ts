import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountIds, ageFile, chownTree } from "../support/managed-pool.js";
import { spawnCli } from "../support/run-cli.js";
import { ensureGroup, setUpBackupUserSsh, startSshd, type TestSshd } from "../support/sshd.js";
import { tempDir } from "../support/temp-dir.js";

// As root, Cedar runs every copy of the stage action as the backup user through `su`
// (cedar-core.md §3.3, §4.4); CI runs as root.
const isRoot = process.getuid?.() === 0;

/** The master's backup user and group: local accounts distinct from the peers' logins. */
const BACKUP_USER = "cbstagesu";
const BACKUP_GROUP = "cbbackup";

let sshd: TestSshd | undefined;
beforeAll(async () => {
  if (!isRoot) return;
  sshd = await startSshd();
  // Its ~/.ssh is all that reaches the sshd: root itself has no key or port for it.
  setUpBackupUserSsh(sshd, BACKUP_USER);
  ensureGroup(BACKUP_GROUP);
});
afterAll(async () => {
  await sshd?.stop();
});

/** The process umask (Cedar creates files and directories through it). */
function umask(): number {
  const line = /^Umask:\s*([0-7]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
  return Number.parseInt(line?.[1] ?? "022", 8);
}

/** A peer's collect directory owned by its login, files with distinct modes, 3 days old. */
const PEER_FILES: Record<string, { content: string; mode: number }> = {
  "etc.tar.gz": { content: "etc archive", mode: 0o640 },
  "home.tar.bz2": { content: "home archive", mode: 0o600 },
  "cback.collect": { content: "", mode: 0o644 },
  ".hidden": { content: "dot", mode: 0o644 },
};

function peerCollectDir(root: string, user: string): string {
  const dir = join(root, `collect-${user}`);
  mkdirSync(dir);
  for (const [name, { content, mode }] of Object.entries(PEER_FILES)) {
    const path = join(dir, name);
    writeFileSync(path, `${content}${content === "" ? "" : ` of ${user}`}`);
    chmodSync(path, mode);
    ageFile(path, 3);
  }
  chownTree(dir, user);
  return dir;
}

function utcDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}`;
}

/**
 * The master's side as root: a working dir the backup user owns (the su copies write the
 * transient indicators there: the operator's job, §3.3), a staging dir and a config staging
 * `peers`.
 */
function masterSetup(root: string, peers: readonly { host: string; dir: string; user: string }[]) {
  const work = join(root, "work");
  mkdirSync(work);
  chownTree(work, BACKUP_USER);
  const staging = join(root, "staging");
  mkdirSync(staging);
  const config = join(root, "cback.conf");
  const peerXml = peers
    .map(
      ({ host, dir, user }) =>
        `    <peer><name>${host}</name><type>remote</type><collect_dir>${dir}</collect_dir>
      <backup_user>${user}</backup_user></peer>
`,
    )
    .join("");
  writeFileSync(
    config,
    `<?xml version="1.0"?>
<cb_config>
  <options>
    <starting_day>monday</starting_day>
    <working_dir>${work}</working_dir>
    <backup_user>${BACKUP_USER}</backup_user>
    <backup_group>${BACKUP_GROUP}</backup_group>
    <rcp_command>/usr/bin/scp -B -q</rcp_command>
  </options>
  <stage>
    <staging_dir>${staging}</staging_dir>
${peerXml}  </stage>
</cb_config>
`,
  );
  return { work, staging, config, log: join(root, "cback.log") };
}

describe("stage as root over a real sshd", () => {
  it.runIf(isRoot)(
    "copies as the backup user through su: files owned by backup_user:backup_group, scp's modes, cback.stage pushed as the peer's login",
    async () => {
      if (sshd === undefined) throw new Error("sshd did not start");
      const [peerUser1 = "", peerUser2 = ""] = sshd.users;
      const [host1 = "", host2 = ""] = sshd.hosts;
      const root = tempDir();
      chmodSync(root, 0o755);
      const collect1 = peerCollectDir(root, peerUser1);
      const collect2 = peerCollectDir(root, peerUser2);
      const { work, staging, config, log } = masterSetup(root, [
        { host: host1, dir: collect1, user: peerUser1 },
        { host: host2, dir: collect2, user: peerUser2 },
      ]);
      const started = Date.now();
      const day = utcDay(new Date());

      const result = await spawnCli(["--config", config, "--logfile", log, "--output", "stage"], {
        env: { CBACK_LOCK_DIR: root },
        timeoutMs: 25_000,
      });
      const logText = readFileSync(log, "utf8");
      expect(result.status, logText).toBe(0);

      // Every copy ran through su as the backup user (whose ~/.ssh alone knows the sshd).
      const suRuns = logText.match(/Executing command \['su'\] with args \['([^']*)', '-c', /g);
      expect(suRuns?.length).toBeGreaterThanOrEqual(6);
      expect(new Set(suRuns)).toEqual(
        new Set([`Executing command ['su'] with args ['${BACKUP_USER}', '-c', `]),
      );
      expect(logText).toContain(`Staged 3 files for peer [${host1}].`);
      expect(logText).toContain(`Staged 3 files for peer [${host2}].`);

      const owner = accountIds(BACKUP_USER, BACKUP_GROUP);
      const dirMode = 0o777 & ~umask();
      const daily = join(staging, day);
      for (const dir of [staging, join(daily, "..", ".."), join(daily, ".."), daily]) {
        expect(statSync(dir).isDirectory()).toBe(true);
      }
      // YYYY, MM, DD and the peer directories: the backup user's, modes from the umask.
      for (const dir of [
        join(daily, "..", ".."),
        join(daily, ".."),
        daily,
        join(daily, host1),
        join(daily, host2),
      ]) {
        const stats = statSync(dir);
        expect({ dir, uid: stats.uid, gid: stats.gid, mode: stats.mode & 0o7777 }).toEqual({
          dir,
          ...owner,
          mode: dirMode,
        });
      }
      expect(readdirSync(daily).sort()).toEqual([host1, host2, "cback.stage"].sort());
      const dailyIndicator = statSync(join(daily, "cback.stage"));
      expect(dailyIndicator.size).toBe(0);
      expect([dailyIndicator.uid, dailyIndicator.gid]).toEqual([owner.uid, owner.gid]);

      for (const [host, user, collectDir] of [
        [host1, peerUser1, collect1],
        [host2, peerUser2, collect2],
      ] as const) {
        // The remote shell expands `*`: no dotfiles, no leftover partial directory.
        const peerDir = join(daily, host);
        expect(readdirSync(peerDir).sort()).toEqual(
          ["cback.collect", "etc.tar.gz", "home.tar.bz2"].sort(),
        );
        for (const name of readdirSync(peerDir)) {
          const path = join(peerDir, name);
          const source = PEER_FILES[name];
          const stats = statSync(path);
          expect(readFileSync(path, "utf8")).toBe(readFileSync(join(collectDir, name), "utf8"));
          // scp without -p: the remote mode through the umask, mtime = copy time.
          expect({ name, uid: stats.uid, gid: stats.gid, mode: stats.mode & 0o7777 }).toEqual({
            name,
            ...owner,
            mode: (source?.mode ?? -1) & ~umask(),
          });
          expect(stats.mtimeMs).toBeGreaterThan(started - 5_000);
        }
        // cback.stage went back to the peer over scp, so it belongs to the peer's login.
        const pushed = statSync(join(collectDir, "cback.stage"));
        expect(pushed.size).toBe(0);
        expect(pushed.uid).toBe(accountIds(user).uid);
      }
      // The transient copies of the indicators are gone.
      expect(readdirSync(work)).toEqual([]);
    },
  );

  it.runIf(isRoot)(
    "a peer that is not ready, through su: the copy started beside the check is stopped with everything su ran, nothing is published",
    async () => {
      if (sshd === undefined) throw new Error("sshd did not start");
      const [peerUser1 = ""] = sshd.users;
      const [host1 = ""] = sshd.hosts;
      const root = tempDir();
      chmodSync(root, 0o755);
      const collect1 = peerCollectDir(root, peerUser1);
      rmSync(join(collect1, "cback.collect"));
      // 64 GiB of holes: a copy of it would outlast the run's time limit by minutes.
      execFileSync("truncate", ["-s", "64G", join(collect1, "huge.bin")]);
      chownTree(collect1, peerUser1);
      const { work, staging, config, log } = masterSetup(root, [
        { host: host1, dir: collect1, user: peerUser1 },
      ]);
      const result = await spawnCli(["--config", config, "--logfile", log, "--output", "stage"], {
        env: { CBACK_LOCK_DIR: root },
        timeoutMs: 25_000,
      });
      const logText = readFileSync(log, "utf8");
      expect(result.status, logText).toBe(6);
      expect(logText).toContain(`Peer [${host1}] was not ready to be staged.`);
      // The copy started beside the readiness check, through su like every copy. su passes
      // a stop to its shell only: the runner stops the scp it ran as well, or the copy of
      // 64 GiB would go on after the run.
      expect(logText).toContain(`${collect1}/*`);
      expect(logText).toMatch(/Executing command \['su'\] with args \[[^\n]*\/\*/);
      const daily = join(staging, utcDay(new Date()));
      expect(readdirSync(daily).sort()).toEqual([host1, "cback.stage"].sort());
      expect(readdirSync(join(daily, host1))).toEqual([]);
      expect(existsSync(join(collect1, "cback.stage"))).toBe(false);
      const copying = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
        .split("\n")
        .filter((line) => line.includes(collect1));
      expect(copying).toEqual([]);
      // No partial directory left, and the copy never got far.
      expect(readdirSync(daily).filter((name) => name.includes(".partial-"))).toEqual([]);
      expect(readdirSync(work)).toEqual([]);
    },
  );
});
