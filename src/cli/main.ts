/**
 * The process boundary of `cback`: parse the command line, set up logging, prepare and run
 * the actions, and turn the outcome into Cedar's exit code (this is the one place where
 * errors become exit codes).
 */
import { hostname } from "node:os";
import type { RunFlags } from "../actions/action-context.js";
import { systemClock } from "../actions/action-context.js";
import { CbackError, ConfigError, InterruptedError, UsageError } from "../errors/cback-error.js";
import { ExitCode, type ExitCodeValue } from "../errors/exit-codes.js";
import { createNodeRunner } from "../exec/node-runner.js";
import { acquireRunLock, defaultLockDir, runLockPath, type RunLock } from "../fs/run-lock.js";
import type { TextStream } from "../log/console-sink.js";
import { createLogger, type CliLogger } from "../log/create-logger.js";
import { prepareRun, requiredPrograms, type PreparedRun } from "../run/prepare-run.js";
import { createBuiltinActions, runActions } from "../run/run-actions.js";
import { currentDiagnosticsInfo, diagnosticsLines, diagnosticsText } from "./diagnostics.js";
import {
  CLI_DEFAULTS,
  canonicalOptionString,
  parseCommandLine,
  type CliOptions,
} from "./options.js";
import { usageText, versionText } from "./usage.js";
import { isSupportedNode, MINIMUM_NODE_MAJOR, packageVersion } from "./version.js";

/** What `main` may touch of the process; tests pass their own. */
export interface CliIo {
  readonly stdout: TextStream;
  readonly stderr: TextStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `process.version`. */
  readonly nodeVersion: string;
  readonly pid: number;
  /** Real uid is 0. */
  readonly isRoot: boolean;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  readonly now?: () => Date;
  /** A terminal to draw progress on (stderr when it is a TTY); none under cron. */
  readonly progressStream?: NodeJS.WriteStream;
}

/** Run `cback` with the arguments after the program name; resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  if (!isSupportedNode(io.nodeVersion)) {
    io.stderr.write(
      `cback requires Node.js ${MINIMUM_NODE_MAJOR} or later (this is ${io.nodeVersion}).\n`,
    );
    return ExitCode.UnsupportedRuntime;
  }
  let options: CliOptions;
  try {
    options = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(usageText(CLI_DEFAULTS));
    io.stderr.write(` *** Error: ${error.message}\n`);
    return ExitCode.Usage;
  }
  const now = io.now ?? (() => new Date());
  if (options.help) {
    io.stderr.write(usageText(CLI_DEFAULTS));
    return ExitCode.Ok;
  }
  if (options.version) {
    io.stdout.write(versionText(packageVersion));
    return ExitCode.Ok;
  }
  if (options.diagnostics) {
    io.stdout.write(diagnosticsText(currentDiagnosticsInfo(packageVersion, io.env, now())));
    return ExitCode.Ok;
  }

  let logger: CliLogger;
  try {
    logger = createLogger({
      logfile: options.logfile ?? CLI_DEFAULTS.logfile,
      owner: options.owner ?? CLI_DEFAULTS.owner,
      mode: options.mode ?? CLI_DEFAULTS.mode,
      verbose: options.verbose,
      quiet: options.quiet,
      debug: options.debug,
      output: options.output || options.debug,
      stdout: io.stdout,
      now,
      env: io.env,
    });
  } catch (error) {
    if (options.stack) return escaped(error, io);
    io.stderr.write(`Error setting up logging: ${(error as Error).message}\n`);
    return error instanceof CbackError ? error.exitCode : ExitCode.LoggingSetup;
  }
  try {
    const status = await runLogged(options, io, logger, now);
    logger.info(`Cedar Backup run completed with status ${status}.`);
    return status;
  } catch (error) {
    return escaped(error, io);
  } finally {
    logger.close();
  }
}

/** `--stack`: let the error show with its stack, and exit 1 like an uncaught Python error. */
function escaped(error: unknown, io: CliIo): ExitCodeValue {
  io.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return ExitCode.UnsupportedRuntime;
}

async function runLogged(
  options: CliOptions,
  io: CliIo,
  logger: CliLogger,
  now: () => Date,
): Promise<ExitCodeValue> {
  logger.info("Cedar Backup run started.");
  logger.info(`Options were [${canonicalOptionString(options)}]`);
  logger.info(`Logfile is [${logger.logfile}]`);
  for (const line of diagnosticsLines(currentDiagnosticsInfo(packageVersion, io.env, now()))) {
    logger.info(line);
  }
  const configPath = options.config ?? CLI_DEFAULTS.configPath;
  let prepared: PreparedRun;
  try {
    prepared = await prepareRun({
      configPath,
      actions: options.actions,
      managed: options.managed,
      managedOnly: options.managedOnly,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logger.error(`Error reading or handling configuration: ${error.message}`);
    return ExitCode.Config;
  }
  for (const warning of prepared.findings) {
    if (warning.severity === "warning") logger.warn(warning.message);
  }
  logger.info(`Action order will be: [${prepared.steps.map(stepLabel).join(", ")}]`);

  const needsLock = prepared.steps.some((step) => step.action !== "validate");
  let lock: RunLock | undefined;
  try {
    if (needsLock) {
      lock = await acquireRunLock({
        lockPath: await runLockPath(configPath, await defaultLockDir(io.env)),
        pid: io.pid,
        hostname: hostname(),
        startedAt: now(),
        logger,
      });
    }
    await execute(prepared, options, io, logger, now);
    if (io.signal.aborted) throw new InterruptedError("interrupted");
    return ExitCode.Ok;
  } catch (error) {
    if (options.stack && !(error instanceof InterruptedError)) throw error;
    if (error instanceof InterruptedError || io.signal.aborted) {
      logger.error("Backup interrupted.");
      return ExitCode.Interrupted;
    }
    if (error instanceof CbackError) {
      logger.error(`Error executing backup: ${error.message}`);
      return error.exitCode;
    }
    logger.error(
      `Internal error, please report it: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return ExitCode.ActionFailed;
  } finally {
    await lock?.release();
  }
}

function stepLabel(step: PreparedRun["steps"][number]): string {
  return step.kind === "managed"
    ? `${step.action} (managed: ${step.peers.join(", ")})`
    : step.action;
}

async function execute(
  prepared: PreparedRun,
  options: CliOptions,
  io: CliIo,
  logger: CliLogger,
  now: () => Date,
): Promise<void> {
  const flags: RunFlags = {
    full: options.full,
    verbose: options.verbose,
    debug: options.debug,
    quiet: options.quiet,
  };
  const runner = createNodeRunner({
    env: io.env,
    overrides: prepared.overrides,
    logger,
    logOutput: options.output || options.debug,
    signalProcess: (pid, signal) => {
      process.kill(pid, signal);
    },
  });
  await runActions(
    {
      configPath: prepared.configPath,
      config: prepared.config,
      flags,
      logger,
      runner,
      clock: io.now === undefined ? systemClock : { now },
      signal: io.signal,
      isRoot: io.isRoot,
      env: io.env,
      // cli-progress is loaded only when a bar is shown (a terminal and --verbose).
      ...(options.verbose && !options.quiet && io.progressStream !== undefined
        ? { progress: (await import("./progress-bar.js")).createProgressBar(io.progressStream) }
        : {}),
    },
    {
      steps: prepared.steps,
      extensions: prepared.extensions,
      root: prepared.root,
      actions: createBuiltinActions({
        configFindings: prepared.findings,
        programs: requiredPrograms(prepared),
        overrides: prepared.overrides,
      }),
    },
  );
}
