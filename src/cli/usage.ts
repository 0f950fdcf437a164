import type { CliDefaults } from "./options.js";

const SWITCH_HELP: readonly (readonly [string, (defaults: CliDefaults) => string])[] = [
  ["-h, --help", () => "Display this usage/help listing"],
  ["-V, --version", () => "Display version information"],
  ["-b, --verbose", () => "Print verbose output as well as logging to disk"],
  ["-q, --quiet", () => "Run quietly (display no output to the screen)"],
  ["-c, --config", (d) => `Path to config file (default: ${d.configPath})`],
  ["-f, --full", () => "Perform a full backup, regardless of configuration"],
  ["-M, --managed", () => "Include managed clients when executing actions"],
  ["-N, --managed-only", () => "Include ONLY managed clients when executing actions"],
  ["-l, --logfile", (d) => `Path to logfile (default: ${d.logfile})`],
  [
    "-o, --owner",
    (d) => `Logfile ownership, user:group (default: ${d.owner.user}:${d.owner.group})`,
  ],
  ["-m, --mode", (d) => `Octal logfile permissions mode (default: ${d.mode.toString(8)})`],
  ["-O, --output", () => "Record some sub-command (i.e. cdrecord) output to the log"],
  ["-d, --debug", () => "Write debugging information to the log (implies --output)"],
  ["-s, --stack", () => "Print a stack trace instead of swallowing exceptions"],
  ["-D, --diagnostics", () => "Print runtime diagnostics to the screen and exit"],
];

const ACTION_HELP: readonly (readonly [string, string])[] = [
  ["all", "Take all normal actions (collect, stage, store, purge)"],
  ["collect", "Take the collect action"],
  ["stage", "Take the stage action"],
  ["store", "Take the store action"],
  ["purge", "Take the purge action"],
  ["rebuild", `Rebuild "this week's" disc if possible`],
  ["validate", "Validate configuration only"],
  ["initialize", "Initialize media for use with Cedar Backup"],
];

/** `   name<padding>text`: Cedar's two-column layout, text starting at column 23. */
function row(name: string, text: string): string {
  return `   ${name.padEnd(19)}${text}`;
}

/**
 * The usage text `cback --help` prints on stderr (also printed before a usage error): the
 * switches with their defaults, the actions, and the rules for combining actions. Starts
 * and ends with a blank line; every line ends with a newline.
 */
export function usageText(defaults: CliDefaults): string {
  const lines = [
    "",
    " Usage: cback [switches] action(s)",
    "",
    " The following switches are accepted:",
    "",
    ...SWITCH_HELP.map(([name, text]) => row(name, text(defaults))),
    "",
    " The following actions may be specified:",
    "",
    ...ACTION_HELP.map(([name, text]) => row(name, text)),
    "",
    " You may also specify extended actions that have been defined in",
    " configuration.",
    "",
    " You must specify at least one action to take.  More than one of",
    ' the "collect", "stage", "store" or "purge" actions and/or',
    " extended actions may be specified in any arbitrary order; they",
    ' will be executed in a sensible order.  The "all", "rebuild",',
    ' "validate", and "initialize" actions may not be combined with',
    " other actions.",
    "",
  ];
  return lines.map((line) => `${line}\n`).join("");
}

/**
 * The text `cback --version` prints on stdout, in Cedar's layout: every line indented one
 * space, with blank lines around.
 */
export function versionText(version: string): string {
  const lines = [
    "",
    ` Cedar Backup for Node.js version ${version}.`,
    "",
    " A reimplementation of Cedar Backup 3 by Kenneth J. Pronovici.",
    " This is free software; there is NO warranty.  See the",
    " GNU General Public License version 2 or later for copying conditions.",
    "",
    " Use the --help option for usage information.",
    "",
  ];
  return lines.map((line) => `${line}\n`).join("");
}
