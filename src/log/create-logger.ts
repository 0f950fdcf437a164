import type { AccountFiles } from "./account-names.js";
import { createConsoleSink, type TextStream } from "./console-sink.js";
import { createFileSink, openLogFile, type LogfileOwner } from "./file-sink.js";
import { loggerFromSinks } from "./log-sink.js";
import type { Logger } from "./logger.js";

/** Everything the CLI's logger needs: the logging switches plus the IO to use. */
export interface CreateLoggerOptions {
  /** Log file path (`--logfile` or the default). */
  readonly logfile: string;
  /** Owner of a newly created log file (`--owner` or the default). */
  readonly owner: LogfileOwner;
  /** Mode of a newly created log file (`--mode` or the default). */
  readonly mode: number;
  readonly verbose: boolean;
  readonly quiet: boolean;
  readonly debug: boolean;
  readonly output: boolean;
  /** The screen (stdout). */
  readonly stdout: TextStream;
  /** Clock for the log-file timestamps; the system clock by default. */
  readonly now?: () => Date;
  /** Zone of the log-file timestamps; the local zone by default (see `env`). */
  readonly timeZone?: string;
  /** Environment whose `TZ` picks the local zone of the timestamps; none: `TZ` unset. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Account databases for the owner lookup; the system's by default. */
  readonly accountFiles?: AccountFiles;
  /** Called when a log-file write fails (the record is lost, the run goes on). */
  readonly onWriteError?: (error: unknown) => void;
}

/** The logger of a cback run: the log file plus the screen. */
export interface CliLogger extends Logger {
  /** Path of the log file in use. */
  readonly logfile: string;
  /** Close the log file. Records logged afterwards still reach the screen. */
  close(): void;
}

/**
 * Set up Cedar's logging: open (or create) the log file, then send each record to the file
 * sink and the screen sink.
 *
 * @throws LoggingSetupError (exit 3) when the log file cannot be opened or created.
 */
export function createLogger(options: CreateLoggerOptions): CliLogger {
  const file = openLogFile({
    path: options.logfile,
    owner: options.owner,
    mode: options.mode,
    ...(options.accountFiles === undefined ? {} : { accountFiles: options.accountFiles }),
  });
  const fileSink = createFileSink(file, {
    debug: options.debug,
    output: options.output,
    now: options.now ?? (() => new Date()),
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.onWriteError === undefined ? {} : { onError: options.onWriteError }),
  });
  const screenSink = createConsoleSink({
    stream: options.stdout,
    verbose: options.verbose,
    quiet: options.quiet,
    debug: options.debug,
  });
  return {
    ...loggerFromSinks([fileSink, screenSink]),
    logfile: options.logfile,
    close: () => {
      file.close();
    },
  };
}
