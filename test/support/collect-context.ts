import type { ActionContext } from "../../src/actions/action-context.js";
import type { Config } from "../../src/config/types.js";
import { createNodeRunner } from "../../src/exec/node-runner.js";
import { createMemoryLogger } from "../../src/log/logger.js";

/** An ActionContext for running an action in process with the real runner and a fixed clock. */
export function actionContext(config: Config, options: { now: Date; full?: boolean }) {
  const logger = createMemoryLogger();
  const env = { PATH: process.env["PATH"] ?? "/usr/bin:/bin" };
  const ctx: ActionContext = {
    configPath: "/etc/cback.conf",
    config,
    flags: { full: options.full ?? false, verbose: false, debug: false, quiet: false },
    logger,
    runner: createNodeRunner({ env, logger }),
    clock: { now: () => options.now },
    signal: new AbortController().signal,
    isRoot: false,
    env,
  };
  return { ctx, logger };
}
