import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actionContext } from "../../test/support/collect-context.js";
import { freePort, startSshd, type TestSshd } from "../../test/support/sshd.js";
import { tempDir } from "../../test/support/temp-dir.js";
import type { Config, LocalPeerConfig, RemotePeerConfig } from "../config/types.js";
import { ActionError } from "../errors/cback-error.js";
import type { ToolRunner } from "../exec/tool-runner.js";
import { findAccountId } from "../log/account-names.js";
import { stageAction } from "./stage.js";

// 2026-11-26 is a Thursday; the starting day is monday, so this is not the start of the week.
const THURSDAY = new Date(2026, 10, 26, 12, 0, 0);
const DAY = "2026/11/26";

let sshd: TestSshd;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd.stop();
});

/** A peer's collect directory, owned by `user` (when root) so the stage push can write. */
function collectDir(root: string, name: string, files: Record<string, string>, user?: string) {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  if (user !== undefined && process.getuid?.() === 0) {
    const uid = findAccountId(readFileSync("/etc/passwd", "utf8"), user) ?? -1;
    chownSync(dir, uid, -1);
    for (const file of readdirSync(dir)) chownSync(join(dir, file), uid, -1);
  }
  return dir;
}

function isDirectory(path: string): boolean {
  return statSync(path).isDirectory();
}

function setup() {
  const root = tempDir();
  chmodSync(root, 0o755);
  mkdirSync(join(root, "work"));
  mkdirSync(join(root, "staging"));
  return root;
}

function config(
  root: string,
  localPeers: LocalPeerConfig[],
  remotePeers: RemotePeerConfig[],
): Config {
  return {
    options: {
      startingDay: "monday",
      workingDir: join(root, "work"),
      backupUser: "backup",
      backupGroup: "backup",
      rcpCommand: sshd.rcpCommand(),
    },
    stage: { targetDir: join(root, "staging"), localPeers, remotePeers },
  };
}

const TARS = { "etc.tar.gz": "etc archive", "home.tar.bz2": "home archive" };

function user(index: number): string {
  return sshd.users[index] ?? sshd.users[0] ?? "";
}

/**
 * A runner that records the argv of every command it runs and how each ended (`exit N` or
 * the error's name), then runs it for real.
 */
function recordingRunner(runner: ToolRunner) {
  const ran: string[][] = [];
  const endings: string[] = [];
  const recording: ToolRunner = {
    ...runner,
    run: (inv, opts) => {
      const index = ran.push([inv.program, ...inv.args]) - 1;
      return runner.run(inv, opts).then(
        (result) => {
          endings[index] = `exit ${result.status}`;
          return result;
        },
        (error: unknown) => {
          endings[index] = (error as Error).name;
          throw error;
        },
      );
    },
  };
  return { runner: recording, ran, endings };
}

describe("stage with a real sshd on loopback", () => {
  it("stages local and remote peers; a down peer fails the action, an ignored one does not", async () => {
    const root = setup();
    const local = collectDir(root, "local1", { ...TARS, ".hidden": "dot", "cback.collect": "" });
    const remote = collectDir(
      root,
      "remote1",
      { ...TARS, ".dotfile": "dot", "cback.collect": "" },
      user(0),
    );
    const notReady = collectDir(root, "remote2", TARS, user(1));
    const down = collectDir(root, "remote3", { ...TARS, "cback.collect": "" });
    const cfg = config(
      root,
      [{ type: "local", name: "local1", collectDir: local }],
      [
        { type: "remote", name: "127.0.0.2", collectDir: remote, backupUser: user(0) },
        {
          type: "remote",
          name: "127.0.0.3",
          collectDir: notReady,
          backupUser: user(1),
          ignoreFailures: "all",
        },
        // Down: nothing listens on this port.
        {
          type: "remote",
          name: "127.0.0.1",
          collectDir: down,
          backupUser: user(0),
          rcpCommand: sshd.rcpCommand(await freePort()),
        },
      ],
    );
    const { ctx, logger } = actionContext(cfg, { now: THURSDAY });

    const error = await stageAction(ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toBe("Staging failed for peer(s): [127.0.0.1].");

    const daily = join(root, "staging", DAY);
    expect(readdirSync(daily).sort()).toEqual(
      ["127.0.0.1", "127.0.0.2", "127.0.0.3", "cback.stage", "local1"].sort(),
    );
    expect(readdirSync(join(daily, "local1")).sort()).toEqual(
      [".hidden", "cback.collect", "etc.tar.gz", "home.tar.bz2"].sort(),
    );
    // The remote shell expands `*`: no dotfiles from a remote peer.
    expect(readdirSync(join(daily, "127.0.0.2")).sort()).toEqual(
      ["cback.collect", "etc.tar.gz", "home.tar.bz2"].sort(),
    );
    expect(readFileSync(join(daily, "127.0.0.2", "etc.tar.gz"), "utf8")).toBe("etc archive");
    expect(readdirSync(join(daily, "127.0.0.3"))).toEqual([]);
    expect(readdirSync(join(daily, "127.0.0.1"))).toEqual([]);
    expect(existsSync(join(local, "cback.stage"))).toBe(true);
    expect(existsSync(join(remote, "cback.stage"))).toBe(true);
    expect(existsSync(join(notReady, "cback.stage"))).toBe(false);
    expect(existsSync(join(down, "cback.stage"))).toBe(false);
    expect(readdirSync(join(root, "work"))).toEqual([]);

    const lines = logger.records.map((r) => `${r.level} ${r.message}`);
    expect(lines).toContain("info Staged 4 files for peer [local1].");
    expect(lines).toContain("info Staged 3 files for peer [127.0.0.2].");
    expect(lines).toContain("info Peer [127.0.0.3] was not ready to be staged.");
    expect(lines).toContain("error Peer [127.0.0.1] was not ready to be staged.");
    // The connection problem names the peer, the command and what ssh said.
    const reason = lines.find((l) =>
      l.startsWith("info Failed looking for collect indicator on peer [127.0.0.1]: Error ("),
    );
    expect(reason).toContain("Command: /usr/bin/scp -B -q -F /dev/null -P ");
    expect(reason).toContain(`${user(0)}@127.0.0.1:${down}/cback.collect`);
    // scp's -q also silences ssh's "Connection refused"; scp itself still says why, in one
    // of two words: it races its ssh's exit and says "lost connection" (status 1) instead of
    // "Connection closed" (255) about one time in four when the machine is busy.
    expect(reason).toMatch(/; output: .*(Connection closed|lost connection)/);
  });

  it("re-staging the same day: the local peer succeeds again, the remote one finds no new files", async () => {
    const root = setup();
    const local = collectDir(root, "local1", { ...TARS, "cback.collect": "" });
    const remote = collectDir(root, "remote1", { ...TARS, "cback.collect": "" }, user(0));
    const cfg = config(
      root,
      [{ type: "local", name: "local1", collectDir: local }],
      [{ type: "remote", name: "127.0.0.2", collectDir: remote, backupUser: user(0) }],
    );
    const daily = join(root, "staging", DAY);
    await stageAction(actionContext(cfg, { now: THURSDAY }).ctx);
    // As with Cedar's code, the second run still finds one new remote file: the cback.stage
    // the first run pushed into the peer's collect directory. The third finds none.
    const second = actionContext(cfg, { now: THURSDAY });
    await stageAction(second.ctx);
    expect(second.logger.records.map((r) => r.message)).toContain(
      "Staged 1 files for peer [127.0.0.2].",
    );
    expect(existsSync(join(daily, "127.0.0.2", "cback.stage"))).toBe(true);
    writeFileSync(join(local, "etc.tar.gz"), "etc archive, third run");

    const { ctx, logger } = actionContext(cfg, { now: THURSDAY });
    await expect(stageAction(ctx)).rejects.toThrow("Staging failed for peer(s): [127.0.0.2].");
    const lines = logger.records.map((r) => `${r.level} ${r.message}`);
    expect(lines).toContain(`warn Staging directory [${daily}] already existed.`);
    expect(lines).toContain(
      `warn Peer staging directory [${join(daily, "local1")}] already existed.`,
    );
    expect(lines).toContain("info Staged 4 files for peer [local1].");
    expect(lines).toContain(
      "error Error staging [127.0.0.2]: Apparently did not copy any new files from remote peer.",
    );
    expect(readFileSync(join(daily, "local1", "etc.tar.gz"), "utf8")).toBe(
      "etc archive, third run",
    );
    expect(existsSync(join(daily, "cback.stage"))).toBe(true);
  });

  it("a re-run after an interrupted stage replaces the leftover partial copy and finishes", async () => {
    const root = setup();
    const remote = collectDir(root, "remote1", { ...TARS, "cback.collect": "" }, user(0));
    const cfg = config(
      root,
      [],
      [{ type: "remote", name: "127.0.0.2", collectDir: remote, backupUser: user(0) }],
    );
    const daily = join(root, "staging", DAY);
    // What a crash mid-copy leaves: the (empty) peer dir and a hidden partial copy.
    mkdirSync(join(daily, "127.0.0.2"), { recursive: true });
    mkdirSync(join(daily, ".127.0.0.2.partial-0123456789ab"));
    writeFileSync(join(daily, ".127.0.0.2.partial-0123456789ab", "etc.tar.gz"), "etc arc");

    await stageAction(actionContext(cfg, { now: THURSDAY }).ctx);
    expect(readdirSync(daily).sort()).toEqual(["127.0.0.2", "cback.stage"]);
    expect(readdirSync(join(daily, "127.0.0.2")).sort()).toEqual(
      ["cback.collect", "etc.tar.gz", "home.tar.bz2"].sort(),
    );
    expect(readFileSync(join(daily, "127.0.0.2", "etc.tar.gz"), "utf8")).toBe("etc archive");
  });

  it("a failed copy leaves the peer directory empty, never half-filled", async () => {
    const root = setup();
    const local = collectDir(root, "local1", { ...TARS, "cback.collect": "" });
    mkdirSync(join(local, "zz-subdir"));
    const remote = collectDir(root, "remote1", { ...TARS, "cback.collect": "" }, user(0));
    mkdirSync(join(remote, "zz-subdir"));
    if (process.getuid?.() === 0) chmodSync(join(remote, "zz-subdir"), 0o777);
    const cfg = config(
      root,
      [{ type: "local", name: "local1", collectDir: local }],
      [{ type: "remote", name: "127.0.0.2", collectDir: remote, backupUser: user(0) }],
    );
    const { ctx, logger } = actionContext(cfg, { now: THURSDAY });
    await expect(stageAction(ctx)).rejects.toThrow(
      "Staging failed for peer(s): [local1], [127.0.0.2].",
    );
    const daily = join(root, "staging", DAY);
    expect(readdirSync(daily).sort()).toEqual(["127.0.0.2", "cback.stage", "local1"]);
    expect(readdirSync(join(daily, "local1"))).toEqual([]);
    expect(readdirSync(join(daily, "127.0.0.2"))).toEqual([]);
    expect(statSync(join(daily, "cback.stage")).size).toBe(0);
    const lines = logger.records.map((r) => `${r.level} ${r.message}`);
    expect(lines).toContain("error Error staging [local1]: Source is not a regular file.");
    const copyError = lines.find((l) => l.startsWith("error Error staging [127.0.0.2]: Error ("));
    expect(copyError).toContain(`Command: /usr/bin/scp `);
    expect(copyError).toContain(`${user(0)}@127.0.0.2:${remote}/* `);
    expect(copyError).toMatch(/output: .*zz-subdir/);
  });
});

describe("stage sharing one ssh connection per remote peer (beyond Cedar)", () => {
  /** Stage one ready remote peer, recording every command the action runs. */
  async function stageOneRemote(shareConnection: boolean | undefined) {
    const root = setup();
    const remote = collectDir(root, "remote1", { ...TARS, "cback.collect": "" }, user(0));
    const base = config(
      root,
      [],
      [{ type: "remote", name: "127.0.0.2", collectDir: remote, backupUser: user(0) }],
    );
    const cfg: Config = {
      ...base,
      stage: { ...base.stage, ...(shareConnection === undefined ? {} : { shareConnection }) },
    };
    const { ctx } = actionContext(cfg, { now: THURSDAY });
    const { runner: recording, ran } = recordingRunner(ctx.runner);
    const loginsBefore = sshd.acceptedLogins();
    await stageAction({ ...ctx, runner: recording });
    const logins = sshd.acceptedLogins() - loginsBefore;
    expect(readdirSync(join(root, "staging", DAY, "127.0.0.2")).sort()).toEqual(
      ["cback.collect", "etc.tar.gz", "home.tar.bz2"].sort(),
    );
    expect(existsSync(join(remote, "cback.stage"))).toBe(true);
    return { ran, logins };
  }

  it("fetch and push share one login, the copy has its own; the master is closed and its socket removed", async () => {
    const { ran, logins } = await stageOneRemote(undefined);
    expect(logins).toBe(2);
    const copies = ran.filter(([program]) => program === "/usr/bin/scp");
    expect(copies).toHaveLength(3);
    const [fetch, bulk, push] = copies;
    // The fetch starts first, the bulk copy beside it, the push after both.
    expect(fetch?.at(-2)).toMatch(/:.*\/cback\.collect$/);
    expect(bulk?.at(-2)).toMatch(/:.*\/\*$/);
    expect(push?.at(-1)).toMatch(/:.*\/cback\.stage$/);
    // The bulk copy is Cedar's exact argv: no ssh options added.
    expect(bulk?.some((arg) => arg.startsWith("Control"))).toBe(false);
    const controlPaths = new Set(
      [fetch, push].map((argv) => argv?.find((arg) => arg.startsWith("ControlPath="))),
    );
    expect(controlPaths.size).toBe(1);
    const [controlPath] = [...controlPaths];
    expect(controlPath).toMatch(/^ControlPath=\/.*\/cback-ssh-[^/]+\/master$/);
    const close = ran.find(([program]) => program === "/usr/bin/ssh");
    expect(close).toEqual([
      "/usr/bin/ssh",
      "-o",
      controlPath,
      "-O",
      "exit",
      `${user(0)}@127.0.0.2`,
    ]);
    const socketDir = (controlPath ?? "").slice("ControlPath=".length, -"/master".length);
    expect(existsSync(socketDir)).toBe(false);
    // No ssh master lingers for this socket.
    const masters = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.includes(socketDir));
    expect(masters).toEqual([]);
  });

  it("a peer that is not ready: the copy started beside the check is stopped and nothing is published", async () => {
    const root = setup();
    // No cback.collect, and a file big enough (sparse, 4 GiB) that the copy is still running
    // when the check finds the peer not ready.
    const remote = collectDir(root, "remote1", TARS, user(0));
    execFileSync("truncate", ["-s", "4G", join(remote, "big.bin")]);
    if (process.getuid?.() === 0) execFileSync("chown", [user(0), join(remote, "big.bin")]);
    const cfg = config(
      root,
      [],
      [{ type: "remote", name: "127.0.0.2", collectDir: remote, backupUser: user(0) }],
    );
    const { ctx, logger } = actionContext(cfg, { now: THURSDAY });
    const { runner: recording, ran, endings } = recordingRunner(ctx.runner);
    await expect(stageAction({ ...ctx, runner: recording })).rejects.toThrow(
      "Staging failed for peer(s): [127.0.0.2].",
    );
    // The copy was started (it is what this test is about), then stopped, not left to finish.
    const bulk = ran.findIndex((argv) => argv.some((arg) => arg.endsWith("/*")));
    expect(bulk).toBeGreaterThanOrEqual(0);
    expect(endings[bulk]).toBe("InterruptedError");
    const lines = logger.records.map((r) => `${r.level} ${r.message}`);
    expect(lines).toContain("error Peer [127.0.0.2] was not ready to be staged.");
    // Nothing published, no partial directory left, no stage indicator on the peer.
    const daily = join(root, "staging", DAY);
    expect(readdirSync(daily).sort()).toEqual(["127.0.0.2", "cback.stage"]);
    expect(readdirSync(join(daily, "127.0.0.2"))).toEqual([]);
    expect(existsSync(join(remote, "cback.stage"))).toBe(false);
    // No copy of this peer still running.
    const copying = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.includes(`${remote}/*`));
    expect(copying).toEqual([]);
  });

  it("<share_connection>N runs Cedar's exact argv in Cedar's order: three logins, no ssh options", async () => {
    const { ran, logins } = await stageOneRemote(false);
    expect(logins).toBe(3);
    expect(ran.flat().some((arg) => arg.startsWith("Control"))).toBe(false);
    expect(ran.every(([program]) => program === "/usr/bin/scp")).toBe(true);
  });
});

describe("stage with <concurrency> (beyond Cedar)", () => {
  /** Three peers, two of them remote, the same files each time. */
  function threePeers(root: string, concurrency: number | undefined): Config {
    const base = config(
      root,
      [
        {
          type: "local",
          name: "local1",
          collectDir: collectDir(root, "local1", { ...TARS, "cback.collect": "" }),
        },
      ],
      [
        {
          type: "remote",
          name: "127.0.0.2",
          collectDir: collectDir(root, "remote1", { ...TARS, "cback.collect": "" }, user(0)),
          backupUser: user(0),
        },
        {
          type: "remote",
          name: "127.0.0.3",
          collectDir: collectDir(root, "remote2", { "db.tar": "db", "cback.collect": "" }, user(1)),
          backupUser: user(1),
        },
      ],
    );
    return concurrency === undefined ? base : { ...base, stage: { ...base.stage, concurrency } };
  }

  function stagedTree(root: string): Record<string, string[]> {
    const daily = join(root, "staging", DAY);
    const tree: Record<string, string[]> = { ".": readdirSync(daily).sort() };
    for (const name of readdirSync(daily)) {
      if (isDirectory(join(daily, name))) tree[name] = readdirSync(join(daily, name)).sort();
    }
    return tree;
  }

  it("stages 3 peers 3 at a time with the same result as one at a time, logs prefixed", async () => {
    const sequentialRoot = setup();
    const sequential = actionContext(threePeers(sequentialRoot, undefined), { now: THURSDAY });
    await stageAction(sequential.ctx);

    const root = setup();
    const { ctx, logger } = actionContext(threePeers(root, 3), { now: THURSDAY });
    await stageAction(ctx);

    expect(stagedTree(root)).toEqual(stagedTree(sequentialRoot));
    expect(stagedTree(root)["127.0.0.3"]).toEqual(["cback.collect", "db.tar"]);
    for (const peer of ["local1", "remote1", "remote2"]) {
      expect(existsSync(join(root, peer, "cback.stage"))).toBe(true);
    }
    // Each remote peer had its own transient working directory, removed afterwards.
    expect(readdirSync(join(root, "work"))).toEqual([]);

    const lines = logger.records.map((r) => `${r.level} ${r.message}`);
    for (const [peer, count] of [
      ["local1", 3],
      ["127.0.0.2", 3],
      ["127.0.0.3", 2],
    ] as const) {
      expect(lines).toContain(`info [${peer}] Staging peer [${peer}].`);
      expect(lines).toContain(`info [${peer}] Staged ${count} files for peer [${peer}].`);
    }
    // All three were in flight at once: every peer started before the first one finished.
    const lastStart = lines.findLastIndex((l) => l.includes("Staging peer ["));
    expect(lastStart).toBeLessThan(lines.findIndex((l) => l.includes("] Staged ")));
    expect(lines.at(-1)).toBe("info Executed the 'stage' action successfully.");
    // One at a time keeps Cedar's unprefixed lines, in config order.
    const plain = sequential.logger.records
      .map((r) => r.message)
      .filter((m) => m.startsWith("Staging peer"));
    expect(plain).toEqual([
      "Staging peer [local1].",
      "Staging peer [127.0.0.2].",
      "Staging peer [127.0.0.3].",
    ]);
  });

  it("reports failed peers in config order whatever finishes first", async () => {
    const root = setup();
    const cfg = threePeers(root, 3);
    const remotes = (cfg.stage?.remotePeers ?? []).map((peer) => ({
      ...peer,
      rcpCommand: sshd.rcpCommand(1),
    }));
    const broken: Config = { ...cfg, stage: { ...cfg.stage, remotePeers: remotes } };
    await expect(stageAction(actionContext(broken, { now: THURSDAY }).ctx)).rejects.toThrow(
      "Staging failed for peer(s): [127.0.0.2], [127.0.0.3].",
    );
    expect(existsSync(join(root, "staging", DAY, "cback.stage"))).toBe(true);
    expect(readdirSync(join(root, "staging", DAY, "local1"))).toHaveLength(3);
  });
});
