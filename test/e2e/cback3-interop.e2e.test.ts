import { execFileSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireCback3, runCback3, CBACK3 } from "../support/cback3.js";
import {
  clientConfigXml,
  fileContents,
  interopClient,
  listing,
  masterConfigXml,
  normalizedName,
  startingDayOtherThanToday,
  utcDay,
  type InteropClient,
} from "../support/interop-pool.js";
import { accountIds, chownTree } from "../support/managed-pool.js";
import { binPath, spawnCli, type CliResult } from "../support/run-cli.js";
import { setUpBackupUserSsh, startSshd, type TestSshd } from "../support/sshd.js";
import { listTar } from "../support/tar-listing.js";
import { tempDir } from "../support/temp-dir.js";

// Issue 4: our cback works on both ends of a pool with the real Python Cedar Backup (Debian's
// cedar-backup3, /usr/bin/cback3; 3.7.4 at the time of writing, while the spec describes 3.12).
// The pool tests need the sshd's throwaway users, `su` and chown, so root (CI runs as root),
// as in managed-peers.e2e.test.ts; the incremental hand-over runs as any user.
const isRoot = process.getuid?.() === 0;

/**
 * The masters' backup user (both programs, run as root from cron, copy and remote-shell as
 * this user through `su`, cedar-core.md §4.4): its ~/.ssh alone knows the test sshd, so a plain
 * `/usr/bin/scp -B` and `/usr/bin/ssh` reach the peers as Cedar expects.
 */
const BACKUP_USER = "cbinterop";

let sshd: TestSshd | undefined;
beforeAll(async () => {
  requireCback3();
  if (!isRoot) return;
  sshd = await startSshd();
  setUpBackupUserSsh(sshd, BACKUP_USER);
});
afterAll(async () => {
  await sshd?.stop();
});

/** Run our built cback (as the current user) with its own log and lock dir. */
function ourCback(root: string, config: string, log: string, ...args: string[]) {
  return spawnCli(["--config", config, "--logfile", log, "--output", ...args], {
    env: { CBACK_LOCK_DIR: root },
    timeoutMs: 30_000,
  });
}

/** Run the Python cback3 with its own log (as `user` when given). */
function pythonCback(config: string, log: string, args: string[], user?: string) {
  return runCback3(["--config", config, "--logfile", log, "--output", ...args], {
    ...(user === undefined ? {} : { user }),
  });
}

function expectSuccess(result: CliResult, log: string): void {
  const text = readFileSync(log, "utf8");
  expect(result.status, `${result.stdout}\n${result.stderr}\n${text}`).toBe(0);
  expect(text).toContain("Cedar Backup run completed with status 0.");
  expect(text).not.toMatch(/ERROR/);
}

/**
 * The log line both masters write for a managed collect (cedar-core.md §3.9): the same
 * `su <backup_user> -c "<rsh> <user>@<host> '<cback_command> collect'"` from either program.
 */
function managedCall(peerUser: string, host: string, cbackCommand: string): string {
  const remote = `/usr/bin/ssh ${peerUser}@${host} '${cbackCommand} collect'`;
  return `Executing command ['su'] with args ['${BACKUP_USER}', '-c', "${remote}"].`;
}

/** A pool root traversable by the sshd's users. */
function poolRoot(): string {
  const root = tempDir();
  chmodSync(root, 0o755);
  return root;
}

/** Member names of an archive, sorted. */
function members(path: string): string[] {
  return listTar(path)
    .map((member) => member.name)
    .sort();
}

/** The names a collect of `client.data` must put in its archive (leading `/` removed). */
function memberNames(client: InteropClient, ...relative: string[]): string[] {
  return relative.map((path) => join(client.data, path).replace(/^\//, "")).sort();
}

const ALL_DATA = ["keep.txt", "change.txt", "sub/deep.txt", "link"];
// Not a name with a backslash: Cedar's walk (pathJoin) turns `\` into `/`, so cback3 (3.7.4 and
// upstream 3.12 alike) silently never backs such a file up, while our cback does.
const ODD_NAMES = ["café.txt", "日本語.txt", "with space.txt", "new\nline.txt"];

/** A client (owned by `user`) whose config collects its data tree daily into a plain tar. */
function poolClient(root: string, name: string, user: string): InteropClient {
  const client = interopClient(root, name);
  writeFileSync(client.config, clientConfigXml(client, { backupUser: user, backupGroup: user }));
  chownTree(client.dir, user);
  return client;
}

/** A master directory: `data/` with one file, `collect/`, `staging/`, `work/` (the backup user's). */
function masterDir(root: string): string {
  const dir = join(root, "master");
  for (const sub of ["data", "collect", "staging", "work"])
    mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, "data", "master.txt"), "master data\n");
  // The su copies write the transient indicators here (cedar-core.md §3.3).
  chownTree(join(dir, "work"), BACKUP_USER);
  return dir;
}

/**
 * What a master's stage must have left for one peer: the peer's collect dir (as it was before
 * staging) copied into today's staging dir, the daily and the peer's `cback.stage` written.
 */
function expectStaged(
  master: string,
  host: string,
  client: InteropClient,
  peerUser: string,
  before: Record<string, Buffer>,
): void {
  const daily = join(master, "staging", utcDay());
  expect(statSync(join(daily, "cback.stage")).size).toBe(0);
  const staged = join(daily, host);
  expect(fileContents(staged)).toEqual(before);
  const owner = accountIds(BACKUP_USER);
  for (const name of listing(staged)) {
    const stats = statSync(join(staged, name));
    expect([name, stats.uid, stats.gid]).toEqual([name, owner.uid, owner.gid]);
  }
  // cback.stage was pushed back over scp, so it belongs to the peer's login.
  expect(listing(client.collect)).toEqual([...Object.keys(before), "cback.stage"].sort());
  const pushed = statSync(join(client.collect, "cback.stage"));
  expect([pushed.size, pushed.uid]).toEqual([0, accountIds(peerUser).uid]);
}

describe("a pool mixing our cback and the Python cback3 over a real sshd", () => {
  it.runIf(isRoot)(
    "our master stages what cback3 collected on a client, and pushes cback.stage back",
    async () => {
      if (sshd === undefined) throw new Error("sshd did not start");
      const [peerUser = ""] = sshd.users;
      const [host = ""] = sshd.hosts;
      const root = poolRoot();
      const client = poolClient(root, "client", peerUser);

      // The client runs cback3 collect itself, as its own (unprivileged) backup user.
      expectSuccess(
        await pythonCback(client.config, client.log, ["collect"], peerUser),
        client.log,
      );
      const archive = `${normalizedName(client.data)}.tar`;
      expect(listing(client.collect)).toEqual([archive, "cback.collect"].sort());
      expect(members(join(client.collect, archive))).toEqual(memberNames(client, ...ALL_DATA));
      const before = fileContents(client.collect);

      const master = masterDir(root);
      const config = join(master, "cback.conf");
      writeFileSync(
        config,
        masterConfigXml(master, BACKUP_USER, [
          { host, user: peerUser, collectDir: client.collect },
        ]),
      );
      const log = join(master, "cback.log");
      expectSuccess(await ourCback(root, config, log, "stage"), log);
      expect(readFileSync(log, "utf8")).toContain(`Staged 2 files for peer [${host}].`);
      expectStaged(master, host, client, peerUser, before);
    },
  );

  // cback3 runs as root here, as it does from cron: every scp goes through
  // `su cbinterop -c "..."`, the path a real master takes (running it unprivileged would skip
  // su and need a copy of the sshd's key readable by that user).
  it.runIf(isRoot)(
    "cback3 as master stages what our cback collected: our cback.collect makes the peer ready",
    async () => {
      if (sshd === undefined) throw new Error("sshd did not start");
      const [, peerUser = ""] = sshd.users;
      const [, host = ""] = sshd.hosts;
      const root = poolRoot();
      const client = poolClient(root, "client", peerUser);

      // Our collect as root (like cron): everything chowned to the client's backup user.
      expectSuccess(await ourCback(root, client.config, client.log, "collect"), client.log);
      const archive = `${normalizedName(client.data)}.tar`;
      expect(listing(client.collect)).toEqual([archive, "cback.collect"].sort());
      expect(members(join(client.collect, archive))).toEqual(memberNames(client, ...ALL_DATA));
      const indicator = statSync(join(client.collect, "cback.collect"));
      expect([indicator.size, indicator.uid]).toEqual([0, accountIds(peerUser).uid]);
      const before = fileContents(client.collect);

      const master = masterDir(root);
      const config = join(master, "cback.conf");
      writeFileSync(
        config,
        masterConfigXml(master, BACKUP_USER, [
          { host, user: peerUser, collectDir: client.collect },
        ]),
      );
      const log = join(master, "cback.log");
      expectSuccess(await pythonCback(config, log, ["stage"]), log);
      const text = readFileSync(log, "utf8");
      expect(text).not.toContain("was not ready");
      expect(text).toContain(`Staged 2 files for peer [${host}].`);
      expect(text).toContain(`['${BACKUP_USER}', '-c', `);
      expectStaged(master, host, client, peerUser, before);
    },
  );

  it.runIf(isRoot)(
    "our --managed master runs cback3 collect on the client through ssh, then stages it",
    async () => {
      if (sshd === undefined) throw new Error("sshd did not start");
      const [peerUser = ""] = sshd.users;
      const [, , host = ""] = sshd.hosts;
      const root = poolRoot();
      const client = poolClient(root, "client", peerUser);
      const cbackCommand = `${CBACK3} --config ${client.config} --logfile ${client.log}`;

      const master = masterDir(root);
      const config = join(master, "cback.conf");
      writeFileSync(
        config,
        masterConfigXml(master, BACKUP_USER, [
          { host, user: peerUser, collectDir: client.collect, cbackCommand },
        ]),
      );
      const log = join(master, "cback.log");
      expectSuccess(await ourCback(root, config, log, "--managed", "collect", "stage"), log);
      const text = readFileSync(log, "utf8");
      expect(text).toContain(managedCall(peerUser, host, cbackCommand));
      expect(text).toContain(`Staged 2 files for peer [${host}].`);

      // cback3 ran on the client as the ssh login and left its archive and indicator.
      const clientLog = readFileSync(client.log, "utf8");
      expect(clientLog).toContain("Cedar Backup run completed with status 0.");
      const archive = `${normalizedName(client.data)}.tar`;
      expect(listing(client.collect)).toEqual([archive, "cback.collect", "cback.stage"].sort());
      expect(statSync(join(client.collect, archive)).uid).toBe(accountIds(peerUser).uid);
      expect(members(join(client.collect, archive))).toEqual(memberNames(client, ...ALL_DATA));
      const staged = join(master, "staging", utcDay(), host);
      expect(listing(staged)).toEqual([archive, "cback.collect"].sort());
      expect(readFileSync(join(staged, archive))).toEqual(
        readFileSync(join(client.collect, archive)),
      );
      // The master collected locally first.
      expect(listing(join(master, "collect"))).toEqual(
        [`${normalizedName(join(master, "data"))}.tar`, "cback.collect"].sort(),
      );
    },
  );

  it.runIf(isRoot)(
    "a cback3 --managed master runs our cback collect on the client through ssh, then stages it",
    async () => {
      if (sshd === undefined) throw new Error("sshd did not start");
      const [, peerUser = ""] = sshd.users;
      const [host = ""] = sshd.hosts;
      const root = poolRoot();
      const client = poolClient(root, "client", peerUser);
      // The client's lock dir is its own (our cback takes a run lock; cback3 has none).
      const locks = join(client.dir, "locks");
      mkdirSync(locks);
      chownTree(locks, peerUser);
      const wrapper = join(client.dir, "cback-wrapper");
      writeFileSync(
        wrapper,
        `#!/bin/sh\nCBACK_LOCK_DIR=${locks} exec ${process.execPath} ${binPath()} "$@"\n`,
      );
      chmodSync(wrapper, 0o755);
      const cbackCommand = `${wrapper} --config ${client.config} --logfile ${client.log}`;

      const master = masterDir(root);
      const config = join(master, "cback.conf");
      writeFileSync(
        config,
        masterConfigXml(master, BACKUP_USER, [
          { host, user: peerUser, collectDir: client.collect, cbackCommand },
        ]),
      );
      const log = join(master, "cback.log");
      expectSuccess(await pythonCback(config, log, ["--managed", "collect", "stage"]), log);
      const text = readFileSync(log, "utf8");
      expect(text).toContain(managedCall(peerUser, host, cbackCommand));
      expect(text).not.toContain("Failed to execute action");
      expect(text).toContain(`Staged 2 files for peer [${host}].`);

      // Our cback ran on the client as the ssh login, with exactly the arguments cback3 built.
      const clientLog = readFileSync(client.log, "utf8");
      expect(clientLog).toMatch(/Options were \[.*"collect" \]/);
      expect(clientLog).not.toContain("--full");
      expect(clientLog).toContain("Cedar Backup run completed with status 0.");
      const archive = `${normalizedName(client.data)}.tar`;
      expect(listing(client.collect)).toEqual([archive, "cback.collect", "cback.stage"].sort());
      expect(statSync(join(client.collect, archive)).uid).toBe(accountIds(peerUser).uid);
      expect(members(join(client.collect, archive))).toEqual(memberNames(client, ...ALL_DATA));
      const staged = join(master, "staging", utcDay(), host);
      expect(listing(staged)).toEqual([archive, "cback.collect"].sort());
      expect(readFileSync(join(staged, archive))).toEqual(
        readFileSync(join(client.collect, archive)),
      );
    },
  );
});

/** One side of the incremental hand-over: runs collect (with `--full` when asked). */
interface Collector {
  readonly name: string;
  collect(root: string, client: InteropClient, full: boolean): Promise<CliResult>;
}

const OURS: Collector = {
  name: "our cback",
  collect: (root, client, full) =>
    ourCback(root, client.config, client.log, ...(full ? ["--full"] : []), "collect"),
};
const PYTHON: Collector = {
  name: "cback3",
  collect: (_root, client, full) =>
    pythonCback(client.config, client.log, [...(full ? ["--full"] : []), "collect"]),
};

describe("incremental collect state handed over between cback3 and our cback", () => {
  for (const [first, second] of [
    [PYTHON, OURS],
    [OURS, PYTHON],
  ] as const) {
    it(`${first.name} collects in full, then ${second.name} archives exactly what changed`, async () => {
      const root = tempDir();
      const client = interopClient(root, "client");
      const group = execFileSync("id", ["-gn"], { encoding: "utf8" }).trim();
      // cback3 has no clock: a starting day of tomorrow makes today not the start of the week,
      // so the second run reads the first one's digest instead of resetting it. That is all a
      // "later day" changes for an incremental collect (no date goes into the digest or the
      // archive name), so every run below happens today.
      writeFileSync(
        client.config,
        clientConfigXml(client, {
          backupUser: userInfo().username,
          backupGroup: group,
          startingDay: startingDayOtherThanToday(),
          collectMode: "incr",
          archiveMode: "targz",
        }),
      );
      // Names whose digest keys need the pickle's escapes: Latin-1 bytes, \u escapes, a
      // newline and a name that is not UTF-8 (Python's surrogateescape \udcff).
      for (const odd of ODD_NAMES) writeFileSync(join(client.data, odd), `odd ${odd}\n`);
      writeFileSync(Buffer.from(`${client.data}/raw-\xff.bin`, "latin1"), "not UTF-8\n");
      const name = normalizedName(client.data);
      const archive = join(client.collect, `${name}.tar.gz`);
      const digest = join(client.work, `${name}.sha`);

      // Day 1: a full backup archives everything and records every regular file's digest.
      expectSuccess(await first.collect(root, client, true), client.log);
      const full = members(archive);
      expect(full).toEqual(expect.arrayContaining(memberNames(client, ...ALL_DATA)));
      expect(full).toHaveLength(ALL_DATA.length + ODD_NAMES.length + 1);
      // Our cback also keeps a stat cache beside the digest (`<name>.sha-cache`, not Cedar's);
      // cback3 ignores it.
      expect(listing(client.work).filter((file) => !file.endsWith(".sha-cache"))).toEqual([
        `${name}.sha`,
      ]);

      // Later: one file changed, one added; the day-1 archive has been staged and purged.
      writeFileSync(join(client.data, "change.txt"), "second version\n");
      writeFileSync(join(client.data, "sub", "new.txt"), "new file\n");
      rmSync(client.collect, { recursive: true });
      mkdirSync(client.collect);
      expectSuccess(await second.collect(root, client, false), client.log);
      // The odd names are not archived again, so both programs key the digest alike.
      // Links are never digested, so every incremental archive holds them (cedar-core.md §3.1).
      expect(members(archive)).toEqual(memberNames(client, "change.txt", "sub/new.txt", "link"));
      expect(listing(client.collect)).toEqual(["cback.collect", `${name}.tar.gz`].sort());
      const secondDigest = readFileSync(digest);

      // Nothing changed since: the first program reads the second's digest, archives only the
      // link, and writes back a byte-identical digest (same pickle, same entry order).
      unlinkSync(archive);
      expectSuccess(await first.collect(root, client, false), client.log);
      expect(members(archive)).toEqual(memberNames(client, "link"));
      expect(readFileSync(digest).toString("latin1")).toBe(secondDigest.toString("latin1"));
      for (const path of ["keep.txt", "change.txt", "sub/deep.txt", "sub/new.txt"]) {
        expect(secondDigest.toString("latin1")).toContain(`V${join(client.data, path)}\n`);
      }
    });
  }
});
