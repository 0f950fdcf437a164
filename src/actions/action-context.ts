/**
 * actions/ holds one file per built-in action. An action gets everything it may touch
 * through an ActionContext; it never learns how it was chosen or ordered (run/ does that).
 */
import type { Config } from "../config/types.js";
import type { ToolRunner } from "../exec/tool-runner.js";
import type { Logger } from "../log/logger.js";

/** Source of "now": injected so that dates, weeks and ages are testable. */
export interface Clock {
  now(): Date;
}

/** The system clock. */
export const systemClock: Clock = { now: () => new Date() };

/** The switches of a run that change what actions do. */
export interface RunFlags {
  /** `--full`: full backup regardless of collect mode; new disc on store. */
  readonly full: boolean;
  readonly verbose: boolean;
  readonly debug: boolean;
  readonly quiet: boolean;
}

/**
 * Where long actions report how far they are (files and bytes done). The CLI draws a bar on
 * a terminal with `--verbose`; elsewhere nothing is reported.
 */
export interface ProgressReporter {
  /** A new unit of work begins (e.g. one archive), with its totals. */
  start(label: string, totalFiles: number, totalBytes: number): void;
  /** Progress within the current unit. */
  update(files: number, bytes: number): void;
  /** The current unit is done. */
  stop(): void;
}

/** Everything an action may use. */
export interface ActionContext {
  readonly configPath: string;
  readonly config: Config;
  readonly flags: RunFlags;
  readonly logger: Logger;
  readonly runner: ToolRunner;
  readonly clock: Clock;
  /** Aborted when the run is interrupted; long operations stop and reject. */
  readonly signal: AbortSignal;
  /** Real uid is 0: Cedar then chowns what it creates and switches user with `su`. */
  readonly isRoot: boolean;
  /** The process environment (PATH is used to resolve programs). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Optional progress display. */
  readonly progress?: ProgressReporter;
}

/** A built-in action: resolves when done, rejects (usually with ActionError) on failure. */
export type ActionHandler = (ctx: ActionContext) => Promise<void>;
