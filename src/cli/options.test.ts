import { describe, expect, it } from "vitest";
import { UsageError } from "../errors/cback-error.js";
import { canonicalOptionString, parseCommandLine, type CliOptions } from "./options.js";

const NOTHING_SET: CliOptions = {
  help: false,
  version: false,
  verbose: false,
  quiet: false,
  full: false,
  managed: false,
  managedOnly: false,
  output: false,
  debug: false,
  stack: false,
  diagnostics: false,
  actions: [],
};

describe("parseCommandLine: accepted command lines", () => {
  it.each<[readonly string[], Partial<CliOptions>]>([
    // each switch, short and long
    [["collect"], { actions: ["collect"] }],
    [["-h"], { help: true }],
    [["--help"], { help: true }],
    [["-V"], { version: true }],
    [["--version"], { version: true }],
    [["-D"], { diagnostics: true }],
    [["--diagnostics"], { diagnostics: true }],
    [["-b", "collect"], { verbose: true, actions: ["collect"] }],
    [["--verbose", "collect"], { verbose: true, actions: ["collect"] }],
    [["-q", "collect"], { quiet: true, actions: ["collect"] }],
    [["--quiet", "collect"], { quiet: true, actions: ["collect"] }],
    [["-c", "/x.conf", "collect"], { config: "/x.conf", actions: ["collect"] }],
    [["-c/etc/x.conf", "collect"], { config: "/etc/x.conf", actions: ["collect"] }],
    [["--config=/x", "collect"], { config: "/x", actions: ["collect"] }],
    [["--config", "/x", "collect"], { config: "/x", actions: ["collect"] }],
    [["--config=a=b", "collect"], { config: "a=b", actions: ["collect"] }],
    [["-f", "collect"], { full: true, actions: ["collect"] }],
    [["--full", "collect"], { full: true, actions: ["collect"] }],
    [["-M", "collect"], { managed: true, actions: ["collect"] }],
    [["--managed", "collect"], { managed: true, actions: ["collect"] }],
    [["-N", "collect"], { managedOnly: true, actions: ["collect"] }],
    [["--managed-only", "collect"], { managedOnly: true, actions: ["collect"] }],
    [["-l", "/l.log", "collect"], { logfile: "/l.log", actions: ["collect"] }],
    [["--logfile=/l.log", "collect"], { logfile: "/l.log", actions: ["collect"] }],
    [["-o", "backup:disk", "all"], { owner: { user: "backup", group: "disk" }, actions: ["all"] }],
    [["--owner", "a:b:c", "all"], { owner: { user: "a", group: "b:c" }, actions: ["all"] }],
    [["-O", "collect"], { output: true, actions: ["collect"] }],
    [["--output", "collect"], { output: true, actions: ["collect"] }],
    [["-d", "collect"], { debug: true, actions: ["collect"] }],
    [["--debug", "collect"], { debug: true, actions: ["collect"] }],
    [["-s", "collect"], { stack: true, actions: ["collect"] }],
    [["--stack", "collect"], { stack: true, actions: ["collect"] }],
    // clusters and attached values
    [["-bqd", "collect"], { verbose: true, quiet: true, debug: true, actions: ["collect"] }],
    [["-bc/x", "collect"], { verbose: true, config: "/x", actions: ["collect"] }],
    [["-bc", "/x", "collect"], { verbose: true, config: "/x", actions: ["collect"] }],
    [["-cb", "collect"], { config: "b", actions: ["collect"] }],
    [["-c", "-b", "collect"], { config: "-b", actions: ["collect"] }],
    [["--config", "--full", "collect"], { config: "--full", actions: ["collect"] }],
    // switches stop at the first action, at "--", and at "-"
    [["collect", "--full"], { actions: ["collect", "--full"] }],
    [["collect", "-b", "stage"], { actions: ["collect", "-b", "stage"] }],
    [["--", "--full"], { actions: ["--full"] }],
    [["-b", "--", "collect"], { verbose: true, actions: ["collect"] }],
    [["-", "collect"], { actions: ["-", "collect"] }],
    [
      ["-f", "collect", "stage", "collect"],
      { full: true, actions: ["collect", "stage", "collect"] },
    ],
    // unique prefixes
    [["--debu", "collect"], { debug: true, actions: ["collect"] }],
    [["--conf", "/x", "collect"], { config: "/x", actions: ["collect"] }],
    [["--conf=/x", "collect"], { config: "/x", actions: ["collect"] }],
    [["--diag"], { diagnostics: true }],
    [["--h"], { help: true }],
    [["--verb", "collect"], { verbose: true, actions: ["collect"] }],
    [["--managed-o", "collect"], { managedOnly: true, actions: ["collect"] }],
    [["--ou", "collect"], { output: true, actions: ["collect"] }],
    [["--ow=a:b", "collect"], { owner: { user: "a", group: "b" }, actions: ["collect"] }],
    [["--st", "collect"], { stack: true, actions: ["collect"] }],
    // the last duplicate wins; the long form beats the short form
    [["-c", "/a", "-c", "/b", "collect"], { config: "/b", actions: ["collect"] }],
    [["-c", "/a", "--config", "/b", "-c", "/c", "collect"], { config: "/b", actions: ["collect"] }],
    [["--config", "/a", "--config", "/b", "collect"], { config: "/b", actions: ["collect"] }],
    [
      ["-l", "/a", "--logfile", "/b", "-l", "/c", "collect"],
      { logfile: "/b", actions: ["collect"] },
    ],
    [["-m", "600", "--mode", "640", "-m", "700", "collect"], { mode: 0o640, actions: ["collect"] }],
    [
      ["-o", "a:b", "--owner", "c:d", "-o", "e:f", "collect"],
      { owner: { user: "c", group: "d" }, actions: ["collect"] },
    ],
    [["-b", "-b", "collect"], { verbose: true, actions: ["collect"] }],
    // help, version and diagnostics need no action
    [["-h", "collect"], { help: true, actions: ["collect"] }],
    [["-V", "-D"], { version: true, diagnostics: true }],
  ])("%j", (argv, expected) => {
    expect(parseCommandLine(argv)).toEqual({ ...NOTHING_SET, ...expected });
  });
});

describe("parseCommandLine: --mode is parsed as Python's int(text, 8)", () => {
  it.each<[string, number]>([
    ["640", 0o640],
    ["0640", 0o640],
    ["0o640", 0o640],
    ["0O640", 0o640],
    ["  640  ", 0o640],
    ["+640", 0o640],
    ["0", 0],
    ["-0", 0],
    ["7_5_5", 0o755],
    ["0o_640", 0o640],
    ["4755", 0o4755],
  ])("%j", (text, mode) => {
    expect(parseCommandLine(["-m", text, "collect"]).mode).toBe(mode);
  });

  it.each(["999", "8", "abc", "-640", "", "0x1A", "6 40", "_640", "640_", "6__40", "0o", "64.0"])(
    "rejects %j",
    (text) => {
      expect(() => parseCommandLine(["--mode", text, "collect"])).toThrow(
        new UsageError(`Mode must be an octal integer >= 0, i.e. 640 (got "${text}").`),
      );
    },
  );
});

describe("parseCommandLine: rejected command lines", () => {
  it.each<[readonly string[], string]>([
    [[], "At least one action must be specified."],
    [["-b", "-f"], "At least one action must be specified."],
    [["--"], "At least one action must be specified."],
    [["--foo", "collect"], "option --foo not recognized"],
    [["--Help"], "option --Help not recognized"],
    [["---x"], "option ---x not recognized"],
    [["-x", "collect"], "option -x not recognized"],
    [["-bx", "collect"], "option -x not recognized"],
    [["-:", "collect"], "option -: not recognized"],
    [["-c"], "option -c requires argument"],
    [["-bc"], "option -c requires argument"],
    [["-l"], "option -l requires argument"],
    [["--config"], "option --config requires argument"],
    [["--conf"], "option --config requires argument"],
    [["--m", "collect"], "option --m not a unique prefix"],
    [["--man", "collect"], "option --man not a unique prefix"],
    [["--v", "collect"], "option --v not a unique prefix"],
    [["--o", "collect"], "option --o not a unique prefix"],
    [["--=x", "collect"], "option -- not a unique prefix"],
    [["--help=yes"], "option --help must not have an argument"],
    [["--debu=", "collect"], "option --debug must not have an argument"],
    [["-c", "", "collect"], "The config parameter must be a non-empty string."],
    [["--config=", "collect"], "The config parameter must be a non-empty string."],
    [["-c", "", "--config", "/x", "collect"], "The config parameter must be a non-empty string."],
    [["-l", "", "collect"], "The logfile parameter must be a non-empty string."],
    [["-o", "root", "collect"], "Must specify user and group tuple for owner parameter."],
    [["-o", ":adm", "collect"], "User and group tuple values must be non-empty strings."],
    [["--owner", "root:", "collect"], "User and group tuple values must be non-empty strings."],
    [["-M", "-N", "collect"], "The --managed and --managed-only options may not be combined."],
    [["-h", "-MN"], "The --managed and --managed-only options may not be combined."],
    [["-c", "", "-h"], "The config parameter must be a non-empty string."],
  ])("%j", (argv, message) => {
    const attempt = () => parseCommandLine(argv);
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(new UsageError(message));
  });

  it("reports a usage error with exit code 2", () => {
    try {
      parseCommandLine([]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(2);
    }
  });
});

describe("canonicalOptionString", () => {
  it.each<[readonly string[], string]>([
    [
      ["--config", "/etc/c.conf", "--logfile", "/var/log/x", "collect"],
      '--config "/etc/c.conf" --logfile "/var/log/x" "collect" ',
    ],
    [
      ["-hVbqfMOdsD", "-c", "/c", "-l", "/l", "-o", "a:b", "-m", "0o640", "collect", "stage"],
      '--help --version --verbose --quiet --config "/c" --full --managed --logfile "/l" ' +
        '--owner "a:b" --mode 640 --output --debug --stack --diagnostics "collect" "stage" ',
    ],
    [["-N", "all"], '--managed-only "all" '],
    [["-m", "0", "collect"], '--mode 0 "collect" '],
    [["-h"], "--help "],
    [["-c", 'a "b"', "collect", "collect"], '--config "a "b"" "collect" "collect" '],
  ])("%j", (argv, expected) => {
    expect(canonicalOptionString(parseCommandLine(argv))).toBe(expected);
  });
});
