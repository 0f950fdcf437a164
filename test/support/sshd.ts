import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import {
  appendFileSync,
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

/** A running test sshd (test-components.md §1): loopback only, key authentication only. */
export interface TestSshd {
  readonly port: number;
  /** Loopback addresses it listens on; each can name a distinct peer. */
  readonly hosts: readonly string[];
  /** Accounts allowed to log in: two throwaway users as root, else only the current user. */
  readonly users: readonly string[];
  /** Private key accepted for every user. */
  readonly key: string;
  /** Temporary directory holding the keys and config (readable by the users). */
  readonly dir: string;
  /** `scp` command string for `port` (Cedar splits it like any rcp command). */
  rcpCommand(port?: number): string;
  /** Let every user in with one more public key (a line of an `.pub` file). */
  authorize(publicKey: string): void;
  /** `known_hosts` lines naming this sshd's host key for each of `hosts` on `port`. */
  knownHosts(): string;
  /** How many logins sshd has accepted so far (its `Accepted publickey` log lines). */
  acceptedLogins(): number;
  stop(): Promise<void>;
}

/** A TCP port nobody listens on right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => {
      resolve(false);
    });
  });
}

const ROOT_USERS = ["cbstage1", "cbstage2"];

/** Run an account command, retrying while another test process holds the passwd lock. */
function accountCommand(program: string, args: readonly string[]): void {
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync(program, args, { stdio: "ignore" });
      return;
    } catch (error) {
      if (attempt >= 50) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
}

function exists(kind: "passwd" | "group", name: string): boolean {
  try {
    execFileSync("getent", [kind, name], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Create local user `name` (with a home and a group of its own) unless it exists; root only. */
export function ensureUser(name: string): void {
  if (!exists("passwd", name)) {
    try {
      execFileSync("useradd", ["-m", "-s", "/bin/sh", name], { stdio: "ignore" });
    } catch (error) {
      // Another test process may have created it meanwhile.
      if (!exists("passwd", name)) throw error;
    }
  }
  // useradd leaves the account locked ('!'), which sshd refuses even for key logins.
  accountCommand("usermod", ["-p", "*", name]);
}

/** Create local group `name` unless it exists; root only. */
export function ensureGroup(name: string): void {
  if (exists("group", name)) return;
  try {
    execFileSync("groupadd", [name], { stdio: "ignore" });
  } catch (error) {
    if (!exists("group", name)) throw error;
  }
}

/**
 * Start `/usr/sbin/sshd -D -e` on a free port of 127.0.0.2, .3 and .4 with its own host
 * key. As root it runs as root and admits two throwaway users (created with useradd when
 * missing); otherwise it runs as the current user, the only one it can log in.
 */
export async function startSshd(): Promise<TestSshd> {
  const isRoot = process.getuid?.() === 0;
  const users = isRoot ? ROOT_USERS : [userInfo().username];
  if (isRoot) {
    users.forEach(ensureUser);
    mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  }
  const dir = mkdtempSync(join(tmpdir(), "cback-sshd-"));
  chmodSync(dir, 0o755);
  const hostKey = join(dir, "host_ed25519");
  const key = join(dir, "client_key");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
  const authorized = join(dir, "authorized_keys");
  writeFileSync(authorized, readFileSync(`${key}.pub`), { mode: 0o644 });
  const port = await freePort();
  const hosts = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];
  const config = join(dir, "sshd_config");
  writeFileSync(
    config,
    [
      `Port ${port}`,
      ...hosts.map((host) => `ListenAddress ${host}`),
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      // One shared key file outside any home directory: StrictModes would reject /tmp.
      `AuthorizedKeysFile ${authorized}`,
      "StrictModes no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      `AllowUsers ${users.join(" ")}`,
      "Subsystem sftp internal-sftp",
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", config], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      resolve();
    }),
  );
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(hosts[0] ?? "", port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`sshd did not start:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    hosts,
    users,
    key,
    dir,
    authorize(publicKey) {
      appendFileSync(authorized, `${publicKey.trim()}\n`);
    },
    knownHosts() {
      const [type, body] = readFileSync(`${hostKey}.pub`, "utf8").split(" ");
      return hosts.map((host) => `[${host}]:${port} ${type ?? ""} ${body ?? ""}\n`).join("");
    },
    acceptedLogins: () =>
      log.split("\n").filter((line) => line.includes("Accepted publickey")).length,
    rcpCommand: (p = port) =>
      `/usr/bin/scp -B -q -F /dev/null -P ${p} -o StrictHostKeyChecking=no ` +
      `-o UserKnownHostsFile=/dev/null -o BatchMode=yes -o IdentitiesOnly=yes ` +
      `-o ConnectTimeout=5 -o LogLevel=ERROR -i ${key}`,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Give local user `user` (created when missing) what Cedar expects of the backup user on a
 * master running as root (cedar-core.md §4.4): an ssh key of its own in `~/.ssh` that the
 * test sshd accepts, the sshd's host key in `~/.ssh/known_hosts` (strict checking stays on)
 * and a `~/.ssh/config` sending the loopback peers to the sshd's port. A plain
 * `scp -B`/`ssh` run through `su <user> -c` then reaches every peer. Root only; the files
 * are rewritten on every call, so give each test file a user of its own.
 */
export function setUpBackupUserSsh(sshd: TestSshd, user: string): void {
  ensureUser(user);
  const home = execFileSync("getent", ["passwd", user], { encoding: "utf8" }).split(":")[5] ?? "";
  const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
  const ssh = join(home, ".ssh");
  rmSync(ssh, { recursive: true, force: true });
  mkdirSync(ssh, { mode: 0o700 });
  const key = join(ssh, "id_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
  sshd.authorize(readFileSync(`${key}.pub`, "utf8"));
  writeFileSync(join(ssh, "known_hosts"), sshd.knownHosts(), { mode: 0o644 });
  writeFileSync(
    join(ssh, "config"),
    [
      `Host ${sshd.hosts.join(" ")}`,
      `  Port ${sshd.port}`,
      "  IdentityFile ~/.ssh/id_ed25519",
      "  IdentitiesOnly yes",
      "  BatchMode yes",
      "  StrictHostKeyChecking yes",
      "  UserKnownHostsFile ~/.ssh/known_hosts",
      "  ConnectTimeout 5",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  for (const file of ["", "id_ed25519", "id_ed25519.pub", "known_hosts", "config"]) {
    chownSync(join(ssh, file), uid, gid);
  }
}
