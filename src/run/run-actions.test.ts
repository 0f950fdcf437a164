import { describe, expect, it } from "vitest";
import { FakeRunner } from "../../test/support/fake-runner.js";
import type { ActionContext, ActionHandler } from "../actions/action-context.js";
import type { Config } from "../config/types.js";
import { parseXml } from "../config/xml/parse-xml.js";
import type { PlannedStep } from "../domain/action-order.js";
import { ActionError, ExternalCommandError } from "../errors/cback-error.js";
import { createMemoryLogger } from "../log/logger.js";
import type { ResolvedExtension } from "../extensions/registry.js";
import { managedActionArgv } from "./managed-action.js";
import { runActions } from "./run-actions.js";

const root = parseXml("<cb_config/>").root!;

function setup(
  config: Config,
  options: { isRoot?: boolean; full?: boolean; runner?: FakeRunner } = {},
) {
  const logger = createMemoryLogger();
  const runner = options.runner ?? new FakeRunner();
  const ran: string[] = [];
  const record =
    (name: string): ActionHandler =>
    () => {
      ran.push(name);
      return Promise.resolve();
    };
  const ctx: ActionContext = {
    configPath: "/etc/cback.conf",
    config,
    flags: { full: options.full ?? false, verbose: false, debug: false, quiet: false },
    logger,
    runner,
    clock: { now: () => new Date("2026-11-26T12:00:00Z") },
    signal: new AbortController().signal,
    isRoot: options.isRoot ?? false,
    env: {},
  };
  const actions = { collect: record("collect"), stage: record("stage"), purge: record("purge") };
  return { ctx, logger, runner, ran, actions };
}

const local = (action: string, index = 100): PlannedStep => ({ kind: "local", action, index });

describe("runActions: hooks", () => {
  const config: Config = {
    options: {
      backupUser: "backup",
      hooks: [
        { type: "pre", action: "collect", command: 'echo "hello world" x' },
        { type: "post", action: "collect", command: "df -k" },
        { type: "pre", action: "collect", command: "ls -l" },
        { type: "pre", action: "stage", command: "true" },
      ],
    },
  };

  it("runs pre-hooks in config order, the action, then post-hooks; argv split Cedar's way", async () => {
    const { ctx, runner, ran, actions } = setup(config);
    await runActions(ctx, { steps: [local("collect")], extensions: new Map(), root, actions });
    expect(runner.argvs()).toEqual([
      ["echo", "hello world", "x"],
      ["ls", "-l"],
      ["df", "-k"],
    ]);
    expect(ran).toEqual(["collect"]);
    expect(runner.calls.every((call) => call.opts?.skipOverrides === true)).toBe(true);
  });

  it("a failing pre-hook stops the run: no action, no post-hook, no later step", async () => {
    const runner = new FakeRunner({ ls: { status: 2, lines: ["a", "b"] } });
    const { ctx, ran, actions, logger } = setup(config, { runner });
    const run = runActions(ctx, {
      steps: [local("collect"), local("stage", 200)],
      extensions: new Map(),
      root,
      actions,
    });
    await expect(run).rejects.toThrow(ExternalCommandError);
    await expect(run).rejects.toThrow(
      /^error \(2\) executing pre-action hook for action collect: \["ls","-l"\]$/,
    );
    expect(ran).toEqual([]);
    expect(runner.argvs()).toEqual([
      ["echo", "hello world", "x"],
      ["ls", "-l"],
    ]);
    expect(logger.records).toContainEqual({
      level: "error",
      message: "Hook failed, tail is: a\nb",
    });
  });

  it("a failing action stops the run before its post-hooks", async () => {
    const { ctx, runner } = setup(config);
    const failing: ActionHandler = () => Promise.reject(new ActionError("collect", "disk full"));
    await expect(
      runActions(ctx, {
        steps: [local("collect")],
        extensions: new Map(),
        root,
        actions: { collect: failing },
      }),
    ).rejects.toThrow("disk full");
    expect(runner.argvs()).toEqual([
      ["echo", "hello world", "x"],
      ["ls", "-l"],
    ]);
  });
});

describe("runActions: extensions", () => {
  it("hands the context to the extension and wraps a plain Error into an ActionError", async () => {
    const { ctx, actions } = setup({});
    const seen: boolean[] = [];
    const ext: ResolvedExtension = {
      kind: "module",
      name: "x",
      specifier: "/x.mjs",
      run: (extCtx) => {
        seen.push(extCtx.flags.full, extCtx.root === root);
        return Promise.reject(new Error("no space left"));
      },
    };
    const run = runActions(ctx, {
      steps: [local("x")],
      extensions: new Map([["x", ext]]),
      root,
      actions,
    });
    await expect(run).rejects.toThrow(ActionError);
    await expect(run).rejects.toThrow("extension x failed: no space left");
    expect(seen).toEqual([false, true]);
  });
});

describe("runActions: managed peers", () => {
  const config: Config = {
    options: {
      backupUser: "backup",
      rshCommand: "/usr/bin/ssh",
      cbackCommand: "/usr/bin/cback3",
      managedActions: ["collect"],
    },
    peers: {
      remotePeers: [
        { type: "remote", name: "client1", collectDir: "/c", managed: true },
        {
          type: "remote",
          name: "client2",
          collectDir: "/c",
          managed: true,
          backupUser: "remote",
          rshCommand: "ssh -p 2222",
          cbackCommand: "cback",
        },
        { type: "remote", name: "client3", collectDir: "/c", managed: false },
      ],
    },
  };
  const managed: PlannedStep = {
    kind: "managed",
    action: "collect",
    index: 100,
    peers: ["client1", "client2"],
  };

  it("runs Cedar's su command line on each listed peer, --full forwarded", async () => {
    const { ctx, runner } = setup(config, { isRoot: true, full: true });
    await runActions(ctx, { steps: [managed], extensions: new Map(), root, actions: {} });
    expect(runner.argvs()).toEqual([
      ["su", "backup", "-c", "/usr/bin/ssh backup@client1 '/usr/bin/cback3 --full collect'"],
      ["su", "backup", "-c", "ssh -p 2222 remote@client2 'cback --full collect'"],
    ]);
  });

  it("a failing peer is logged and the others still run; the run does not fail", async () => {
    const runner = new FakeRunner({ su: { status: 255 } });
    const { ctx, logger } = setup(config, { isRoot: true, runner });
    await runActions(ctx, { steps: [managed], extensions: new Map(), root, actions: {} });
    expect(runner.calls).toHaveLength(2);
    const errors = logger.records.filter((r) => r.level === "error").map((r) => r.message);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(
      /^Failed to execute action \[collect\] on managed client \[client1\]/,
    );
  });

  it("not root: Cedar cannot switch user, so each peer fails with a clear message", async () => {
    const { ctx, logger, runner } = setup(config, { isRoot: false });
    await runActions(ctx, { steps: [managed], extensions: new Map(), root, actions: {} });
    expect(runner.calls).toHaveLength(0);
    expect(logger.records.find((r) => r.level === "error")?.message).toMatch(
      /only root can run a remote shell as another user/,
    );
  });

  it.each([
    [false, "/usr/bin/cback3 purge"],
    [true, "/usr/bin/cback3 --full purge"],
  ])("managedActionArgv full=%s", (full, remote) => {
    const peer = {
      name: "h",
      remoteUser: "u",
      rshCommand: "/usr/bin/ssh",
      cbackCommand: "/usr/bin/cback3",
      managedActions: [],
      peer: { type: "remote" as const },
    };
    expect(managedActionArgv("backup", peer, "purge", full)).toEqual([
      "su",
      "backup",
      "-c",
      `/usr/bin/ssh u@h '${remote}'`,
    ]);
  });
});
