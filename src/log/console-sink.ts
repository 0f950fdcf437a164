import type { LogLevel } from "./logger.js";
import { LEVEL_RANK, type LogSink } from "./log-sink.js";

/** Anything text can be written to: `process.stdout`, or a buffer in tests. */
export interface TextStream {
  write(text: string): unknown;
}

/** Which screen switches are on. */
export interface ConsoleSinkOptions {
  /** Where the messages go: stdout, as in Cedar (cron mails it). */
  readonly stream: TextStream;
  readonly verbose: boolean;
  readonly quiet: boolean;
  readonly debug: boolean;
}

/**
 * The lowest level shown on the screen: ERROR by default, INFO with `--verbose`, DEBUG with
 * `--verbose --debug`, nothing (undefined) with `--quiet`, which beats the others.
 */
export function consoleThreshold(
  options: Omit<ConsoleSinkOptions, "stream">,
): LogLevel | undefined {
  if (options.quiet) return undefined;
  if (!options.verbose) return "error";
  return options.debug ? "debug" : "info";
}

/** The screen sink: the bare message of each flow record at or above the threshold. */
export function createConsoleSink(options: ConsoleSinkOptions): LogSink {
  const threshold = consoleThreshold(options);
  return {
    write(record) {
      // Program output goes to the log file only, never to the screen.
      if (threshold === undefined || record.level === "output") return;
      if (LEVEL_RANK[record.level] >= LEVEL_RANK[threshold]) {
        options.stream.write(`${record.message}\n`);
      }
    },
  };
}
