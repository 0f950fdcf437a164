import { describe, expect, it } from "vitest";
import { CLI_DEFAULTS } from "./options.js";
import { usageText, versionText } from "./usage.js";

describe("usageText", () => {
  it("lists every switch with the defaults, the actions and the combination rules", () => {
    expect(usageText(CLI_DEFAULTS)).toMatchInlineSnapshot(`
      "
       Usage: cback [switches] action(s)

       The following switches are accepted:

         -h, --help         Display this usage/help listing
         -V, --version      Display version information
         -b, --verbose      Print verbose output as well as logging to disk
         -q, --quiet        Run quietly (display no output to the screen)
         -c, --config       Path to config file (default: /etc/cback.conf)
         -f, --full         Perform a full backup, regardless of configuration
         -M, --managed      Include managed clients when executing actions
         -N, --managed-only Include ONLY managed clients when executing actions
         -l, --logfile      Path to logfile (default: /var/log/cback.log)
         -o, --owner        Logfile ownership, user:group (default: root:adm)
         -m, --mode         Octal logfile permissions mode (default: 640)
         -O, --output       Record some sub-command (i.e. cdrecord) output to the log
         -d, --debug        Write debugging information to the log (implies --output)
         -s, --stack        Print a stack trace instead of swallowing exceptions
         -D, --diagnostics  Print runtime diagnostics to the screen and exit

       The following actions may be specified:

         all                Take all normal actions (collect, stage, store, purge)
         collect            Take the collect action
         stage              Take the stage action
         store              Take the store action
         purge              Take the purge action
         rebuild            Rebuild "this week's" disc if possible
         validate           Validate configuration only
         initialize         Initialize media for use with Cedar Backup

       You may also specify extended actions that have been defined in
       configuration.

       You must specify at least one action to take.  More than one of
       the "collect", "stage", "store" or "purge" actions and/or
       extended actions may be specified in any arbitrary order; they
       will be executed in a sensible order.  The "all", "rebuild",
       "validate", and "initialize" actions may not be combined with
       other actions.

      "
    `);
  });

  it("interpolates other defaults", () => {
    const text = usageText({
      configPath: "/srv/cback.xml",
      logfile: "/tmp/cback.log",
      owner: { user: "backup", group: "backup" },
      mode: 0o600,
    });
    expect(text).toContain("   -c, --config       Path to config file (default: /srv/cback.xml)\n");
    expect(text).toContain("   -l, --logfile      Path to logfile (default: /tmp/cback.log)\n");
    expect(text).toContain("(default: backup:backup)\n");
    expect(text).toContain("Octal logfile permissions mode (default: 600)\n");
  });

  it("keeps every line within 80 columns", () => {
    const lines = usageText(CLI_DEFAULTS).split("\n");
    expect(lines.filter((line) => line.length > 80)).toEqual([]);
  });
});

describe("versionText", () => {
  it("names the product and version in Cedar's layout", () => {
    expect(versionText("1.2.3")).toMatchInlineSnapshot(`
      "
       Cedar Backup for Node.js version 1.2.3.

       A reimplementation of Cedar Backup 3 by Kenneth J. Pronovici.
       This is free software; there is NO warranty.  See the
       GNU General Public License version 2 or later for copying conditions.

       Use the --help option for usage information.

      "
    `);
  });
});
