import {
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fchownSync,
  openSync,
  writeSync,
} from "node:fs";
import { LoggingSetupError } from "../errors/cback-error.js";
import { lookupOwnerIds, type AccountFiles } from "./account-names.js";
import { createTimestampFormatter, formatLogLine } from "./log-line.js";
import { LEVEL_RANK, type LogSink } from "./log-sink.js";

/** Owner given to a log file that cback creates (`--owner user:group`). */
export interface LogfileOwner {
  readonly user: string;
  readonly group: string;
}

/** How to open (and, if missing, create) the log file. */
export interface OpenLogFileOptions {
  readonly path: string;
  /** Owner of a newly created file, resolved by name. */
  readonly owner: LogfileOwner;
  /** Permission bits of a newly created file, applied whatever the umask. */
  readonly mode: number;
  /** Account databases for the owner lookup; the system's by default. */
  readonly accountFiles?: AccountFiles;
}

/** An open log file. Writes are synchronous so that a crash loses no line. */
export interface LogFile {
  readonly path: string;
  /** True when this call created the file. */
  readonly created: boolean;
  /** Append UTF-8 text. Throws what the write throws; ignored after {@link LogFile.close}. */
  append(text: string): void;
  /** Close the file; further appends are dropped. Idempotent. */
  close(): void;
}

/**
 * Open the log file for appending, creating it first if it does not exist: created with
 * the given mode regardless of the umask, then given to the owner (an unknown name or a
 * failing chown is silently ignored, as in Cedar). An existing file is left as it is.
 *
 * @throws LoggingSetupError (exit 3) when the file cannot be created or opened.
 */
export function openLogFile(options: OpenLogFileOptions): LogFile {
  let created = false;
  let fd: number;
  try {
    if (!existsSync(options.path)) created = createLogFile(options);
    fd = openSync(options.path, "a");
  } catch (error) {
    throw new LoggingSetupError(
      `cannot open log file "${options.path}": ${describeFsError(error)}; ` +
        "use --logfile to choose a writable path",
      { cause: error },
    );
  }
  let open = true;
  return {
    path: options.path,
    created,
    append(text) {
      if (!open) return;
      const bytes = Buffer.from(text, "utf8");
      for (let offset = 0; offset < bytes.length;) {
        offset += writeSync(fd, bytes, offset);
      }
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

/** Create the file; false when another process created it first (it is then left alone). */
function createLogFile(options: OpenLogFileOptions): boolean {
  const mode = options.mode & 0o7777;
  let fd: number;
  try {
    // O_EXCL: between the existence check and here, logrotate may have created the file,
    // and a file we did not create must keep its owner and mode.
    const flags = constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND;
    fd = openSync(options.path, flags, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    // The umask has already masked the creation mode; Cedar set the umask to 0 instead.
    ignoreErrors(() => {
      fchmodSync(fd, mode);
    });
    const ids = lookupOwnerIds(options.owner.user, options.owner.group, options.accountFiles);
    if (ids !== undefined) {
      ignoreErrors(() => {
        fchownSync(fd, ids.uid, ids.gid);
      });
    }
  } finally {
    closeSync(fd);
  }
  return true;
}

function ignoreErrors(action: () => void): void {
  try {
    action();
  } catch {
    // Cedar ignores ownership problems on the log file; so do we.
  }
}

/** `permission denied` out of Node's `EACCES: permission denied, open '/x'`. */
function describeFsError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /^[A-Z0-9]+: (.*?), \w+ '/.exec(message)?.[1] ?? message;
}

/** Which records the file keeps, and how its lines are stamped. */
export interface FileSinkOptions {
  /** `--debug`: keep DEBUG flow records (otherwise INFO and above) and program output. */
  readonly debug: boolean;
  /** `--output`: keep program output lines. */
  readonly output: boolean;
  /** The clock that stamps each line. */
  readonly now: () => Date;
  /** Zone of the timestamps; the local zone by default (see `env`). */
  readonly timeZone?: string;
  /** Environment whose `TZ` picks the local zone, as the C library's would; none: `TZ` unset. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Called when a write fails; the record is then lost and logging goes on. */
  readonly onError?: (error: unknown) => void;
}

/**
 * The log-file sink: flow records as `<timestamp> --> [LEVEL  ] message` at INFO and above
 * (DEBUG too with `debug`), and program output lines as they are, without a timestamp,
 * only with `output` or `debug`.
 */
export function createFileSink(file: LogFile, options: FileSinkOptions): LogSink {
  const threshold = options.debug ? LEVEL_RANK.debug : LEVEL_RANK.info;
  const keepOutput = options.output || options.debug;
  const timestamp = createTimestampFormatter(
    options.timeZone,
    options.env === undefined ? {} : { env: options.env },
  );
  return {
    write(record) {
      let line: string;
      if (record.level === "output") {
        if (!keepOutput) return;
        line = record.message;
      } else {
        if (LEVEL_RANK[record.level] < threshold) return;
        line = formatLogLine(timestamp(options.now()), record.level, record.message);
      }
      try {
        file.append(`${line}\n`);
      } catch (error) {
        options.onError?.(error);
      }
    },
  };
}
