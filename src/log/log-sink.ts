import type { LogLevel, LogRecord, Logger } from "./logger.js";

/**
 * A destination for log records (the log file, the screen). Each sink decides for itself
 * which records it keeps. Writing must not throw: a failing log must not fail a backup.
 */
export interface LogSink {
  /** Take one record: a flow record at some level, or an `output` line of a program. */
  write(record: LogRecord): void;
}

/** Numeric rank of each level, lowest first, for threshold comparisons. */
export const LEVEL_RANK: Readonly<Record<LogLevel, number>> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
};

/** A Logger that hands every record to each sink in turn. */
export function loggerFromSinks(sinks: readonly LogSink[]): Logger {
  const emit = (level: LogRecord["level"]) => (message: string) => {
    for (const sink of sinks) sink.write({ level, message });
  };
  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    output: emit("output"),
  };
}
