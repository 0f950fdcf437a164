import { describe, expect, it } from "vitest";
import {
  closeConnectionArgv,
  copyAllArgv,
  dailyStagingDir,
  escapeSpaces,
  fetchIndicatorArgv,
  ignoresFailures,
  pushStageIndicatorArgv,
  rcpArgv,
  sharesConnection,
  type IgnoreFailureMode,
  type RemoteCopySpec,
} from "./stage-plan.js";

describe("dailyStagingDir", () => {
  it.each([
    ["/opt/stage", new Date(2026, 0, 5, 0, 0, 0), "/opt/stage/2026/01/05"],
    ["/opt/stage/", new Date(2026, 10, 26, 23, 59, 59), "/opt/stage/2026/11/26"],
    ["/opt/stage", new Date(2027, 11, 31, 12, 0, 0), "/opt/stage/2027/12/31"],
  ])("%s at %s is %s (local date, zero-padded)", (dir, now, expected) => {
    expect(dailyStagingDir(dir, now)).toBe(expected);
  });
});

describe("ignoresFailures", () => {
  const modes: (IgnoreFailureMode | undefined)[] = [undefined, "none", "all", "daily", "weekly"];
  // columns: plain day, start of week, --full on a plain day
  const expected: Record<string, [boolean, boolean, boolean]> = {
    undefined: [false, false, false],
    none: [false, false, false],
    all: [true, true, true],
    daily: [true, false, false],
    weekly: [false, true, true],
  };
  it.each(modes)("mode %s", (mode) => {
    const row = expected[String(mode)];
    expect([
      ignoresFailures(mode, false, false),
      ignoresFailures(mode, false, true),
      ignoresFailures(mode, true, false),
    ]).toEqual(row);
  });
});

describe("remote peer argv (cedar-core.md §3.3)", () => {
  const direct: RemoteCopySpec = {
    host: "client1",
    remoteUser: "backup",
    rcpCommand: '/usr/bin/scp -B -q -C -o "Port 2222"',
    localUser: undefined,
  };
  const asRoot: RemoteCopySpec = { ...direct, localUser: "cbackup" };
  const collect = "/var/backup collect";
  const work = "/var/cback work";

  it("splits the rcp command like Cedar and falls back to its default when empty", () => {
    expect(rcpArgv(direct.rcpCommand)).toEqual([
      "/usr/bin/scp",
      "-B",
      "-q",
      "-C",
      "-o",
      "Port 2222",
    ]);
    expect(rcpArgv("  ")).toEqual(["/usr/bin/scp", "-B", "-q", "-C"]);
    expect(escapeSpaces("a b  c")).toBe("a\\ b\\ \\ c");
  });

  it.each([
    [
      "fetch, direct",
      fetchIndicatorArgv(direct, collect, work),
      [
        "/usr/bin/scp",
        "-B",
        "-q",
        "-C",
        "-o",
        "Port 2222",
        "backup@client1:/var/backup\\ collect/cback.collect",
        "/var/cback work/cback.collect",
      ],
    ],
    [
      "copy all, direct (not escaped)",
      copyAllArgv(direct, collect, "/stage/2026/11/26/client1"),
      [
        "/usr/bin/scp",
        "-B",
        "-q",
        "-C",
        "-o",
        "Port 2222",
        "backup@client1:/var/backup collect/*",
        "/stage/2026/11/26/client1",
      ],
    ],
    [
      "push, direct (both escaped)",
      pushStageIndicatorArgv(direct, work, collect),
      [
        "/usr/bin/scp",
        "-B",
        "-q",
        "-C",
        "-o",
        "Port 2222",
        "/var/cback\\ work/cback.stage",
        "backup@client1:/var/backup\\ collect/cback.stage",
      ],
    ],
    [
      "fetch, as root",
      fetchIndicatorArgv(asRoot, collect, work),
      [
        "su",
        "cbackup",
        "-c",
        '/usr/bin/scp -B -q -C -o "Port 2222" backup@client1:/var/backup\\ collect/cback.collect /var/cback work/cback.collect',
      ],
    ],
    [
      "copy all, as root",
      copyAllArgv(asRoot, collect, "/stage/x"),
      [
        "su",
        "cbackup",
        "-c",
        '/usr/bin/scp -B -q -C -o "Port 2222" backup@client1:/var/backup collect/* /stage/x',
      ],
    ],
    [
      "push, as root (double quotes, no escaping)",
      pushStageIndicatorArgv(asRoot, work, collect),
      [
        "su",
        "cbackup",
        "-c",
        '/usr/bin/scp -B -q -C -o "Port 2222" "/var/cback work/cback.stage" "backup@client1:/var/backup collect/cback.stage"',
      ],
    ],
    [
      "trailing slashes join like os.path.join, but the glob keeps //",
      [
        ...fetchIndicatorArgv({ ...direct, rcpCommand: "scp" }, "/c/", "/w/"),
        ...copyAllArgv({ ...direct, rcpCommand: "scp" }, "/c/", "/t"),
      ],
      [
        "scp",
        "backup@client1:/c/cback.collect",
        "/w/cback.collect",
        "scp",
        "backup@client1:/c//*",
        "/t",
      ],
    ],
  ])("%s", (_label, argv, expected) => {
    expect(argv).toEqual(expected);
  });
});

describe("sharing one ssh connection (beyond Cedar)", () => {
  it.each([
    ["/usr/bin/scp -B -q -C", true],
    ["scp", true],
    ["/opt/openssh/bin/scp -P 2222", true],
    ["/usr/bin/rcp", false],
    ["/usr/bin/scpx -B", false],
    ["/usr/bin/rsync -e ssh", false],
    ["", false],
  ])("rcp command %j shares: %s", (command, expected) => {
    expect(sharesConnection(command)).toBe(expected);
  });

  const shared: RemoteCopySpec = {
    host: "peer1",
    remoteUser: "backup",
    rcpCommand: "/usr/bin/scp -B -q -C",
    localUser: undefined,
    controlPath: "/tmp/cback-ssh-ab12/master",
  };
  const options = [
    "-o",
    "ControlMaster=auto",
    "-o",
    "ControlPath=/tmp/cback-ssh-ab12/master",
    "-o",
    "ControlPersist=30",
  ];
  const scp = ["/usr/bin/scp", "-B", "-q", "-C", ...options];

  it("appends the control options to Cedar's argv, before the paths", () => {
    expect(fetchIndicatorArgv(shared, "/c d", "/w")).toEqual([
      ...scp,
      "backup@peer1:/c\\ d/cback.collect",
      "/w/cback.collect",
    ]);
    expect(copyAllArgv(shared, "/c", "/s")).toEqual([...scp, "backup@peer1:/c/*", "/s"]);
    expect(pushStageIndicatorArgv(shared, "/w", "/c")).toEqual([
      ...scp,
      "/w/cback.stage",
      "backup@peer1:/c/cback.stage",
    ]);
  });

  it("puts them inside the su command string as root", () => {
    const asRoot = { ...shared, localUser: "backup" };
    expect(copyAllArgv(asRoot, "/c", "/s")).toEqual([
      "su",
      "backup",
      "-c",
      `/usr/bin/scp -B -q -C ${options.join(" ")} backup@peer1:/c/* /s`,
    ]);
  });

  it("closes the master with the ssh beside the scp, or ssh from PATH", () => {
    expect(closeConnectionArgv(shared)).toEqual([
      "/usr/bin/ssh",
      "-o",
      "ControlPath=/tmp/cback-ssh-ab12/master",
      "-O",
      "exit",
      "backup@peer1",
    ]);
    expect(closeConnectionArgv({ ...shared, rcpCommand: "scp -B" })?.[0]).toBe("ssh");
    const cedarOnly: RemoteCopySpec = {
      host: shared.host,
      remoteUser: shared.remoteUser,
      rcpCommand: shared.rcpCommand,
      localUser: undefined,
    };
    expect(closeConnectionArgv(cedarOnly)).toBe(undefined);
  });
});
