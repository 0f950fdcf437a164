/**
 * run/ decides what runs in which order (domain/action-order.ts plans it) and executes the
 * plan: pre-action hooks, the action, post-action hooks, and managed peers. It is the
 * library's entry point for running actions; cli/ only wires processes to it.
 */
import type { ActionContext, ActionHandler } from "../actions/action-context.js";
import { createValidateAction, type ValidateInput } from "../actions/validate.js";
import type { ActionHook } from "../config/types.js";
import type { XmlNode } from "../config/xml/xml-node.js";
import type { PlannedStep } from "../domain/action-order.js";
import { splitCommandLine } from "../domain/split-command-line.js";
import { ActionError, CbackError, ExternalCommandError } from "../errors/cback-error.js";
import type { ResolvedExtension } from "../extensions/registry.js";
import { managedPeers, type ManagedPeer } from "../config/normalize.js";
import { runManagedAction } from "./managed-action.js";

/** What runActions needs beyond the action context. */
export interface RunPlanInput {
  readonly steps: readonly PlannedStep[];
  readonly extensions: ReadonlyMap<string, ResolvedExtension>;
  /** The parsed document root, handed to extensions. */
  readonly root: XmlNode;
  /** Handlers of the built-in actions (see {@link createBuiltinActions}). */
  readonly actions: Readonly<Record<string, ActionHandler>>;
}

function notImplementedAction(name: string): ActionHandler {
  return () =>
    Promise.reject(
      new ActionError(
        name,
        `the ${name} action is not implemented yet in this version of cedar-backup; ` +
          `run it with Cedar Backup 3 (cback3) meanwhile`,
      ),
    );
}

/**
 * The built-in actions of this version, by name; `validate` checks what `validate` gets.
 * collect, stage and purge load their modules when they first run, so a run loads only the
 * code of its own actions (a `cback stage` does not compile the archive and digest code).
 */
export function createBuiltinActions(
  validate: ValidateInput,
): Readonly<Record<string, ActionHandler>> {
  return {
    collect: async (ctx) => (await import("../actions/collect.js")).collectAction(ctx),
    stage: async (ctx) => (await import("../actions/stage.js")).stageAction(ctx),
    store: notImplementedAction("store"),
    purge: async (ctx) => (await import("../actions/purge.js")).purgeAction(ctx),
    rebuild: notImplementedAction("rebuild"),
    initialize: notImplementedAction("initialize"),
    validate: createValidateAction(validate),
  };
}

/**
 * Run the planned steps in order. The first failing local step (a hook or an action)
 * stops the run and rejects; a failing managed peer is logged at ERROR and the run goes on,
 * as in Cedar.
 */
export async function runActions(ctx: ActionContext, input: RunPlanInput): Promise<void> {
  const handlers = input.actions;
  const hooks = ctx.config.options?.hooks ?? [];
  const peers = managedPeers(ctx.config);
  for (const step of input.steps) {
    if (ctx.signal.aborted) break;
    if (step.kind === "managed") {
      await runManagedStep(
        ctx,
        step.action,
        peers.filter((peer) => peer.name !== undefined && step.peers.includes(peer.name)),
      );
      continue;
    }
    await runHooks(ctx, hooks, "pre", step.action);
    ctx.logger.info(`Executing the '${step.action}' action.`);
    const extension = input.extensions.get(step.action);
    if (extension !== undefined) {
      await runExtension(ctx, extension, input.root);
    } else {
      const handler = handlers[step.action];
      if (handler === undefined) {
        throw new ActionError(step.action, `no handler for action "${step.action}"`);
      }
      await handler(ctx);
    }
    await runHooks(ctx, hooks, "post", step.action);
  }
}

async function runExtension(
  ctx: ActionContext,
  ext: ResolvedExtension,
  root: XmlNode,
): Promise<void> {
  try {
    await ext.run({
      configPath: ctx.configPath,
      config: ctx.config,
      root,
      flags: ctx.flags,
      logger: ctx.logger,
      runner: ctx.runner,
      now: () => ctx.clock.now(),
      signal: ctx.signal,
      isRoot: ctx.isRoot,
    });
  } catch (error) {
    if (error instanceof CbackError) throw error;
    throw new ActionError(ext.name, `extension ${ext.name} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Run the hooks of one kind for one action, in configuration order. */
async function runHooks(
  ctx: ActionContext,
  hooks: readonly ActionHook[],
  type: "pre" | "post",
  action: string,
): Promise<void> {
  for (const hook of hooks) {
    if (hook.type !== type || hook.action !== action) continue;
    const argv = splitCommandLine(hook.command ?? "");
    const kind = type === "pre" ? "pre-action" : "post-action";
    const [program, ...args] = argv;
    if (program === undefined) {
      throw new ActionError(action, `the ${kind} hook for action ${action} has no command`);
    }
    ctx.logger.info(`Executing ${kind} hook for action [${action}].`);
    const result = await ctx.runner.run(
      { program, args },
      { allowFailure: true, skipOverrides: true, signal: ctx.signal },
    );
    if (result.status !== 0) {
      const tail = result.lines.slice(-10);
      ctx.logger.error(`Hook failed, tail is: ${tail.join("\n")}`);
      throw new ExternalCommandError(
        `error (${result.status}) executing ${kind} hook for action ${action}: ${JSON.stringify(argv)}`,
        program,
        args,
        result.status,
        undefined,
        tail,
      );
    }
  }
}

async function runManagedStep(
  ctx: ActionContext,
  action: string,
  peers: readonly ManagedPeer[],
): Promise<void> {
  for (const peer of peers) {
    try {
      await runManagedAction(ctx, peer, action);
    } catch (error) {
      ctx.logger.error(
        `Failed to execute action [${action}] on managed client [${peer.name ?? "?"}]: ${(error as Error).message}`,
      );
    }
  }
}
