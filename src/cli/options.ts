/**
 * The `cback` command line: Cedar's switches parsed with the exact rules of Python's
 * `getopt.getopt` (not GNU getopt), so scripts and cron lines written for cback3 behave the
 * same. See docs/decisions/0001-layout-and-tooling.md for why not `util.parseArgs`.
 */
import { UsageError } from "../errors/cback-error.js";
import type { LogfileOwner } from "../log/file-sink.js";

/** The defaults that apply when a switch is absent; shown in the usage text. */
export interface CliDefaults {
  readonly configPath: string;
  readonly logfile: string;
  readonly owner: LogfileOwner;
  readonly mode: number;
}

/** This implementation's defaults (Cedar's are `/etc/cback3.conf` and `/var/log/cback3.log`). */
export const CLI_DEFAULTS: CliDefaults = {
  configPath: "/etc/cback.conf",
  logfile: "/var/log/cback.log",
  owner: { user: "root", group: "adm" },
  mode: 0o640,
};

/**
 * A parsed, validated command line. Value switches are absent when not given (the
 * defaults of {@link CLI_DEFAULTS} then apply), so the "Options were" log line shows only
 * what the user typed.
 */
export interface CliOptions {
  /** `-h`, `--help`: print the usage text and exit 0. */
  readonly help: boolean;
  /** `-V`, `--version`: print the version text and exit 0. */
  readonly version: boolean;
  /** `-b`, `--verbose`: INFO (DEBUG with `--debug`) on the screen. */
  readonly verbose: boolean;
  /** `-q`, `--quiet`: nothing on the screen; beats `--verbose`. */
  readonly quiet: boolean;
  /** `-c`, `--config`: configuration file path (non-empty). */
  readonly config?: string;
  /** `-f`, `--full`: full backup regardless of configuration. */
  readonly full: boolean;
  /** `-M`, `--managed`: also run the actions on managed peers. */
  readonly managed: boolean;
  /** `-N`, `--managed-only`: run the actions only on managed peers. */
  readonly managedOnly: boolean;
  /** `-l`, `--logfile`: log file path (non-empty). */
  readonly logfile?: string;
  /** `-o`, `--owner`: owner given to a newly created log file. */
  readonly owner?: LogfileOwner;
  /** `-m`, `--mode`: permissions given to a newly created log file. */
  readonly mode?: number;
  /** `-O`, `--output`: log the output of external programs. */
  readonly output: boolean;
  /** `-d`, `--debug`: DEBUG records in the log file; implies `--output`. */
  readonly debug: boolean;
  /** `-s`, `--stack`: do not catch errors, so their stack traces show. */
  readonly stack: boolean;
  /** `-D`, `--diagnostics`: print runtime diagnostics and exit 0. */
  readonly diagnostics: boolean;
  /** Every word after the switches, in command-line order, duplicates kept. */
  readonly actions: readonly string[];
}

const SHORT_SPEC = "hVbqc:fMNl:o:m:OdsD";
const LONG_SPEC = [
  "help",
  "version",
  "verbose",
  "quiet",
  "config=",
  "full",
  "managed",
  "managed-only",
  "logfile=",
  "owner=",
  "mode=",
  "output",
  "debug",
  "stack",
  "diagnostics",
] as const;

/**
 * Parse the arguments after the program name, with Python `getopt.getopt` semantics:
 * switches stop at the first word that is not one (everything from there on is an action,
 * even `--full`) or after `--`; short switches cluster (`-bqd`) and take attached values
 * (`-c/x`); long switches take `--config=/x` or `--config /x` and may be abbreviated to a
 * unique prefix. The last occurrence of a switch wins, and the long form of a value switch
 * beats its short form whatever their order.
 *
 * @throws UsageError (exit 2) with getopt's message (`option --foo not recognized`,
 *   `option -c requires argument`, `option --m not a unique prefix`, ...) or Cedar's
 *   validation message (`At least one action must be specified.`, ...).
 */
export function parseCommandLine(argv: readonly string[]): CliOptions {
  const { switches, rest } = getopt(argv);
  const has = (...names: string[]): boolean => names.some((name) => switches.has(name));
  // Cedar assigns the short value first and then the long one, validating each on
  // assignment, so an invalid short value fails even when a long one follows.
  const value = <T>(short: string, long: string, check: (text: string) => T): T | undefined => {
    let result: T | undefined;
    for (const name of [short, long]) {
      const text = switches.get(name);
      if (text !== undefined) result = check(text);
    }
    return result;
  };

  const config = value("-c", "--config", (text) => nonEmpty(text, "config"));
  const logfile = value("-l", "--logfile", (text) => nonEmpty(text, "logfile"));
  const owner = value("-o", "--owner", parseOwner);
  const mode = value("-m", "--mode", parseMode);
  const options: CliOptions = {
    help: has("-h", "--help"),
    version: has("-V", "--version"),
    verbose: has("-b", "--verbose"),
    quiet: has("-q", "--quiet"),
    ...(config === undefined ? {} : { config }),
    full: has("-f", "--full"),
    managed: has("-M", "--managed"),
    managedOnly: has("-N", "--managed-only"),
    ...(logfile === undefined ? {} : { logfile }),
    ...(owner === undefined ? {} : { owner }),
    ...(mode === undefined ? {} : { mode }),
    output: has("-O", "--output"),
    debug: has("-d", "--debug"),
    stack: has("-s", "--stack"),
    diagnostics: has("-D", "--diagnostics"),
    actions: rest,
  };

  if (!options.help && !options.version && !options.diagnostics && rest.length === 0) {
    throw new UsageError("At least one action must be specified.");
  }
  if (options.managed && options.managedOnly) {
    throw new UsageError("The --managed and --managed-only options may not be combined.");
  }
  return options;
}

/**
 * Cedar's re-serialisation of the options, logged as `Options were [...]`: long names in a
 * fixed order, string values double-quoted (not escaped), the mode in octal without a
 * prefix, then each action quoted; every token is followed by one space.
 * Example: `--config "/etc/c.conf" --logfile "/var/log/x" "collect" `.
 */
export function canonicalOptionString(options: CliOptions): string {
  const tokens: string[] = [];
  const flag = (on: boolean, name: string): void => {
    if (on) tokens.push(`--${name}`);
  };
  flag(options.help, "help");
  flag(options.version, "version");
  flag(options.verbose, "verbose");
  flag(options.quiet, "quiet");
  if (options.config !== undefined) tokens.push(`--config "${options.config}"`);
  flag(options.full, "full");
  flag(options.managed, "managed");
  flag(options.managedOnly, "managed-only");
  if (options.logfile !== undefined) tokens.push(`--logfile "${options.logfile}"`);
  if (options.owner !== undefined) {
    tokens.push(`--owner "${options.owner.user}:${options.owner.group}"`);
  }
  if (options.mode !== undefined) tokens.push(`--mode ${options.mode.toString(8)}`);
  flag(options.output, "output");
  flag(options.debug, "debug");
  flag(options.stack, "stack");
  flag(options.diagnostics, "diagnostics");
  for (const action of options.actions) tokens.push(`"${action}"`);
  return tokens.map((token) => `${token} `).join("");
}

function nonEmpty(text: string, parameter: string): string {
  if (text.length === 0) {
    throw new UsageError(`The ${parameter} parameter must be a non-empty string.`);
  }
  return text;
}

/** `user:group`, split on the first colon (`a:b:c` is user `a`, group `b:c`). */
function parseOwner(text: string): LogfileOwner {
  const colon = text.indexOf(":");
  if (colon < 0) throw new UsageError("Must specify user and group tuple for owner parameter.");
  const user = text.slice(0, colon);
  const group = text.slice(colon + 1);
  if (user.length === 0 || group.length === 0) {
    throw new UsageError("User and group tuple values must be non-empty strings.");
  }
  return { user, group };
}

// Python's int(text, 8): surrounding whitespace, a sign, an optional 0o prefix, and single
// underscores between digits are all accepted.
const PYTHON_OCTAL = /^([+-]?)(?:0[oO]_?)?([0-7](?:_?[0-7])*)$/;

function parseMode(text: string): number {
  const match = PYTHON_OCTAL.exec(text.trim());
  const digits = match?.[2];
  const mode = digits === undefined ? -1 : Number.parseInt(digits.replaceAll("_", ""), 8);
  if (mode < 0 || (match?.[1] === "-" && mode !== 0)) {
    throw new UsageError(`Mode must be an octal integer >= 0, i.e. 640 (got "${text}").`);
  }
  return mode;
}

interface GetoptResult {
  /** Last value of each switch that was given, keyed `-c` or `--config` (full name). */
  readonly switches: ReadonlyMap<string, string>;
  /** The words after the switches. */
  readonly rest: readonly string[];
}

function getopt(argv: readonly string[]): GetoptResult {
  const switches = new Map<string, string>();
  let args = [...argv];
  while (args.length > 0) {
    const word = args[0] ?? "";
    if (!word.startsWith("-") || word === "-") break;
    args = args.slice(1);
    if (word === "--") break;
    if (word.startsWith("--")) args = takeLong(word.slice(2), args, switches);
    else args = takeShorts(word.slice(1), args, switches);
  }
  return { switches, rest: args };
}

function takeLong(word: string, args: string[], switches: Map<string, string>): string[] {
  const equals = word.indexOf("=");
  const typed = equals < 0 ? word : word.slice(0, equals);
  const attached = equals < 0 ? undefined : word.slice(equals + 1);
  const { name, takesValue } = matchLong(typed);
  if (!takesValue) {
    if (attached !== undefined) throw new UsageError(`option --${name} must not have an argument`);
    switches.set(`--${name}`, "");
    return args;
  }
  if (attached !== undefined) {
    switches.set(`--${name}`, attached);
    return args;
  }
  const [next, ...rest] = args;
  if (next === undefined) throw new UsageError(`option --${name} requires argument`);
  switches.set(`--${name}`, next);
  return rest;
}

/** getopt's long_has_args: an exact name wins, otherwise the prefix must be unique. */
function matchLong(typed: string): { name: string; takesValue: boolean } {
  const candidates = LONG_SPEC.filter((spec) => spec.startsWith(typed));
  if (candidates.length === 0) throw new UsageError(`option --${typed} not recognized`);
  if (candidates.some((spec) => spec === typed)) return { name: typed, takesValue: false };
  if (candidates.some((spec) => spec === `${typed}=`)) return { name: typed, takesValue: true };
  const [only, ...others] = candidates;
  if (only === undefined || others.length > 0) {
    throw new UsageError(`option --${typed} not a unique prefix`);
  }
  const takesValue = only.endsWith("=");
  return { name: takesValue ? only.slice(0, -1) : only, takesValue };
}

function takeShorts(cluster: string, args: string[], switches: Map<string, string>): string[] {
  // Python walks code points, so an astral character is reported whole.
  const letters = Array.from(cluster);
  for (const [i, letter] of letters.entries()) {
    const at = letter === ":" ? -1 : SHORT_SPEC.indexOf(letter);
    if (at < 0) throw new UsageError(`option -${letter} not recognized`);
    if (SHORT_SPEC.charAt(at + 1) !== ":") {
      switches.set(`-${letter}`, "");
      continue;
    }
    const attached = letters.slice(i + 1).join("");
    if (attached !== "") {
      switches.set(`-${letter}`, attached);
      return args;
    }
    const [next, ...rest] = args;
    if (next === undefined) throw new UsageError(`option -${letter} requires argument`);
    switches.set(`-${letter}`, next);
    return rest;
  }
  return args;
}
