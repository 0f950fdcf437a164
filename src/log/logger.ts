/**
 * log/ owns the Logger interface every layer writes to, and the sinks the CLI wires up.
 * Library code never writes to stdout or stderr itself; it logs.
 */

/** Severity of a log record, in Cedar's order. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Where log records go. Created in cli/ and passed down through RunContext. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /**
   * Output of an external program (Cedar's `CedarBackup3.output` logger): the executed
   * command line and each raw output line. Only written to the log file with `--output`
   * or `--debug`.
   */
  output(line: string): void;
}

/** A logger that drops everything; for library callers that do not care. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  output: () => undefined,
};

/** A record kept by {@link createMemoryLogger}. */
export interface LogRecord {
  readonly level: LogLevel | "output";
  readonly message: string;
}

/** A logger that keeps every record in memory: for tests and for reports. */
export function createMemoryLogger(): Logger & { readonly records: LogRecord[] } {
  const records: LogRecord[] = [];
  const add = (level: LogRecord["level"]) => (message: string) => {
    records.push({ level, message });
  };
  return {
    records,
    debug: add("debug"),
    info: add("info"),
    warn: add("warn"),
    error: add("error"),
    output: add("output"),
  };
}

/**
 * A logger that starts every message with `prefix` (e.g. `[peer] `) and passes it on, so the
 * lines of work running side by side stay readable in one log.
 */
export function createPrefixedLogger(logger: Logger, prefix: string): Logger {
  return {
    debug: (message) => {
      logger.debug(`${prefix}${message}`);
    },
    info: (message) => {
      logger.info(`${prefix}${message}`);
    },
    warn: (message) => {
      logger.warn(`${prefix}${message}`);
    },
    error: (message) => {
      logger.error(`${prefix}${message}`);
    },
    output: (line) => {
      logger.output(`${prefix}${line}`);
    },
  };
}
