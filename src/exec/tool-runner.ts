/**
 * exec/ is the only place that starts processes (lint-enforced). It owns the ToolRunner
 * interface, its Node implementation, command overrides and Cedar's environment rules.
 */
import type { Secret } from "../log/secret.js";

/** One program to run, as an argv list: never through a shell. */
export interface Invocation {
  /** Program name or path; resolved through the `<override>` map when it matches exactly. */
  readonly program: string;
  readonly args: readonly string[];
  /** Extra environment variables (added to the sanitised process environment). */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Values to redact wherever this invocation is logged or reported. */
  readonly secrets?: readonly Secret[];
  /** Bytes written to the program's standard input, then closed. Default: no input. */
  readonly input?: string | Uint8Array;
}

/** How to run an invocation. */
export interface RunOptions {
  /** Kills the program (SIGTERM, then SIGKILL) when aborted; the call rejects. */
  readonly signal?: AbortSignal;
  /** Discard stderr instead of merging it into the output (Cedar's `ignoreStderr`). */
  readonly ignoreStderr?: boolean;
  /** Do not pass output lines to the logger (Cedar's `doNotLog`). */
  readonly quiet?: boolean;
  /** Resolve instead of throwing on a non-zero exit; the caller inspects `status`. */
  readonly allowFailure?: boolean;
  /** Run `program` as given, without `<override>` resolution (Cedar's hooks and `su -c`). */
  readonly skipOverrides?: boolean;
}

/** How to run a pipeline. */
export interface PipelineOptions extends RunOptions {
  /**
   * Data streamed to the first stage's standard input (which the stage's own `input` must
   * then leave unset). Each chunk is fully handed to the pipe before the next is requested,
   * so a producer may reuse its buffer and never runs ahead of the program. When the
   * program stops reading early the iterator is closed (`return()`) and the pipeline fails;
   * when the iterable throws, every stage is stopped and the pipeline rejects with that
   * error.
   */
  readonly input?: AsyncIterable<Uint8Array | string> | NodeJS.ReadableStream;
}

/** What a finished program produced. */
export interface RunOutput {
  /**
   * Exit status; 256 when the program could not be started (Cedar's convention), 128 + N
   * when it was killed by signal N (both only seen with `allowFailure`).
   */
  readonly status: number;
  /** Output lines (stdout, plus stderr unless ignored), decoded as UTF-8, newline removed. */
  readonly lines: readonly string[];
}

/**
 * Runs external programs. Implementations never use a shell, apply Cedar's locale rules
 * (LC_* removed, LANG=C when set) and resolve `<override>` paths.
 */
export interface ToolRunner {
  /**
   * Run one program to completion and collect its output.
   * @throws ExternalCommandError when it exits non-zero (unless `allowFailure`) or cannot
   *   start; the error names the program and keeps the last output lines.
   * @throws InterruptedError when `signal` aborts it.
   */
  run(inv: Invocation, opts?: RunOptions): Promise<RunOutput>;
  /**
   * Run programs connected stdout-to-stdin, the last one's stdout written to `toFile`
   * (created with mode 0600 under a temporary name and renamed when every stage succeeded).
   * Any failing stage fails the whole pipeline and no output file is left behind.
   */
  pipeline(stages: readonly Invocation[], toFile: string, opts?: PipelineOptions): Promise<void>;
  /** The path a program name resolves to through the overrides (itself when none applies). */
  resolve(program: string): string;
  /**
   * Whether an aborted program is stopped together with every process it started (so a
   * stop reaches an scp run by `su -c`); absent means only the program itself is signalled.
   */
  readonly stopsProcessTrees?: boolean;
}
