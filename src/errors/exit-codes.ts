/**
 * Process exit codes, kept identical to Cedar Backup's `cli.py` so cron wrappers and
 * monitoring written for cback3 keep working. docs/exit-codes.md mirrors this table and
 * test/e2e/exit-codes.e2e.test.ts pins it.
 */
export const ExitCode = {
  /** Every action ran (warnings may have been logged). */
  Ok: 0,
  /** The Node.js runtime is too old to run cback. */
  UnsupportedRuntime: 1,
  /** The command line could not be parsed (usage text printed). */
  Usage: 2,
  /** The log file could not be opened or created. */
  LoggingSetup: 3,
  /** The configuration, the extension list or the action list is invalid. */
  Config: 4,
  /** The run was interrupted (SIGINT/SIGTERM). */
  Interrupted: 5,
  /** An action (or a hook) failed. */
  ActionFailed: 6,
} as const;

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
