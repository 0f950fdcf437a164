import { ExitCode, type ExitCodeValue } from "./exit-codes.js";

/**
 * Base of every error cback expects. The class carries its exit code, so the CLI maps
 * errors to exit codes in exactly one place (cli/main.ts). Anything that is not a
 * CbackError is an internal bug.
 */
export abstract class CbackError extends Error {
  /** Exit code of the process when this error ends a run. */
  abstract readonly exitCode: ExitCodeValue;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The command line is malformed (exit 2). */
export class UsageError extends CbackError {
  readonly exitCode = ExitCode.Usage;
}

/** The log file cannot be set up (exit 3). */
export class LoggingSetupError extends CbackError {
  readonly exitCode = ExitCode.LoggingSetup;
}

/** One configuration problem, with where it was found. */
export interface ConfigIssue {
  readonly severity: "error" | "warning";
  /** The configuration file the issue was found in. */
  readonly file?: string;
  /** Element path below `cb_config`, e.g. `collect/dir[2]/abs_path`; empty for the document. */
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

/** Render one issue as `file:line:column: path: message`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where = [issue.file, issue.line, issue.column].filter((part) => part !== undefined);
  const prefix = where.length > 0 ? `${where.join(":")}: ` : "";
  const path = issue.path === "" ? "" : `${issue.path}: `;
  const severity = issue.severity === "warning" ? "warning: " : "";
  return `${prefix}${severity}${path}${issue.message}`;
}

/**
 * The configuration (or the action list built from it) is invalid (exit 4). Carries every
 * problem found, not only the first.
 */
export class ConfigError extends CbackError {
  readonly exitCode = ExitCode.Config;
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[] | string, options?: ErrorOptions) {
    const list: readonly ConfigIssue[] =
      typeof issues === "string" ? [{ severity: "error", path: "", message: issues }] : issues;
    const errors = list.filter((issue) => issue.severity === "error");
    super(
      errors.length === 1 && errors[0] !== undefined
        ? formatConfigIssue(errors[0])
        : `${errors.length} configuration problems:\n${errors.map(formatConfigIssue).join("\n")}`,
      options,
    );
    this.issues = list;
  }
}

/** An action failed (exit 6). `action` names it; the message says what went wrong. */
export class ActionError extends CbackError {
  readonly exitCode = ExitCode.ActionFailed;
  constructor(
    readonly action: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An external program exited non-zero or could not be started (exit 6). */
export class ExternalCommandError extends CbackError {
  readonly exitCode = ExitCode.ActionFailed;
  constructor(
    message: string,
    /** Program as invoked (after override resolution). */
    readonly program: string,
    /** Arguments with secrets already redacted. */
    readonly args: readonly string[],
    /** Exit status, or undefined when killed by a signal or never started. */
    readonly status: number | undefined,
    readonly signal: string | undefined,
    /** The last lines the program wrote on stderr (and stdout when merged). */
    readonly outputTail: readonly string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The run was interrupted by a signal (exit 5). */
export class InterruptedError extends CbackError {
  readonly exitCode = ExitCode.Interrupted;
}

/** Another cback run holds the lock of this configuration (exit 6: no action ran). */
export class LockedError extends CbackError {
  readonly exitCode = ExitCode.ActionFailed;
}
