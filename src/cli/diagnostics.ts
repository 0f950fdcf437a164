import { machine, release, type } from "node:os";

/** The runtime facts `cback --diagnostics` prints and every run logs. */
export interface DiagnosticsInfo {
  /** Version of this program, e.g. `0.1.0`. */
  readonly version: string;
  /** `process.version`, e.g. `v20.20.2`. */
  readonly nodeVersion: string;
  /** Platform description, e.g. `linux (Linux 6.1.0-18-amd64 x86_64)`. */
  readonly platform: string;
  /** Character encoding of file names and output. */
  readonly encoding: string;
  /** Language of the locale, e.g. `en_US`. */
  readonly locale: string;
  /** When the diagnostics were taken. */
  readonly now: Date;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** C `ctime` of the UTC time plus ` UTC`: `Thu Nov  6 16:12:27 2026 UTC` (day space-padded). */
export function diagnosticsTimestamp(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, "0");
  const weekday = WEEKDAYS[date.getUTCDay()] ?? "";
  const month = MONTHS[date.getUTCMonth()] ?? "";
  const day = String(date.getUTCDate()).padStart(2, " ");
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${weekday} ${month} ${day} ${time} ${date.getUTCFullYear()} UTC`;
}

/**
 * Cedar's diagnostic lines: keys sorted and title-cased, each padded with dots to the
 * longest key plus three, then `: value`. For example `Interpreter...: Node.js v20.20.2`.
 */
export function diagnosticsLines(info: DiagnosticsInfo, prefix = ""): string[] {
  const values: Record<string, string> = {
    Encoding: info.encoding,
    Interpreter: `Node.js ${info.nodeVersion}`,
    Locale: info.locale,
    Platform: info.platform,
    Timestamp: diagnosticsTimestamp(info.now),
    Version: `Cedar Backup for Node.js ${info.version}`,
  };
  const keys = Object.keys(values).sort();
  const width = Math.max(...keys.map((key) => key.length)) + 3;
  return keys.map((key) => `${prefix}${key.padEnd(width, ".")}: ${values[key] ?? ""}`);
}

/** What `cback --diagnostics` prints on stdout: a `Diagnostics:` header and indented lines. */
export function diagnosticsText(info: DiagnosticsInfo): string {
  const lines = ["", "Diagnostics:", "", ...diagnosticsLines(info, "   "), ""];
  return lines.map((line) => `${line}\n`).join("");
}

/** Describe the platform as Cedar does: `<platform> (<sysname> <release> <machine>)`. */
export function describePlatform(
  platform: string,
  sysname: string,
  osRelease: string,
  arch: string,
): string {
  return `${platform} (${sysname} ${osRelease} ${arch})`;
}

/**
 * The language of the locale in effect, from `LC_ALL`, `LC_CTYPE` or `LANG` (the first one
 * set), without codeset or modifier: `en_US.UTF-8` gives `en_US`; unset gives `C`.
 */
export function localeLanguage(env: Readonly<Record<string, string | undefined>>): string {
  const name = [env["LC_ALL"], env["LC_CTYPE"], env["LANG"]].find(
    (value) => value !== undefined && value !== "",
  );
  const language = name?.replace(/[.@].*$/, "") ?? "";
  return language === "" ? "C" : language;
}

/** The diagnostics of this process. */
export function currentDiagnosticsInfo(
  version: string,
  env: Readonly<Record<string, string | undefined>>,
  now: Date,
): DiagnosticsInfo {
  return {
    version,
    nodeVersion: process.version,
    platform: describePlatform(process.platform, type(), release(), machine()),
    encoding: "utf-8",
    locale: localeLanguage(env),
    now,
  };
}
