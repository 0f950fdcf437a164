import { describe, expect, it } from "vitest";
import { formatConfigIssue } from "../../errors/cback-error.js";
import type { PeersConfig } from "../types.js";
import { parseXml } from "../xml/parse-xml.js";
import { createReadContext } from "../xml/read-fields.js";
import { peerNodes, readPeersSection } from "./peers.js";

function read(body: string): { peers: PeersConfig | undefined; issues: string[] } {
  const { root } = parseXml(`<cb_config><peers>${body}</peers></cb_config>`);
  const ctx = createReadContext();
  const peers = readPeersSection(root?.children[0], ctx);
  return { peers, issues: ctx.issues.map(formatConfigIssue) };
}

describe("readPeersSection", () => {
  it("is undefined when absent and has no lists when empty", () => {
    expect(readPeersSection(undefined, createReadContext())).toBeUndefined();
    expect(read("")).toEqual({ peers: {}, issues: [] });
  });

  it("reads every remote peer field", () => {
    const { peers, issues } =
      read(`<peer><name>h</name><type>remote</type><collect_dir>/c</collect_dir>
<backup_user>u</backup_user><rcp_command>scp -B</rcp_command><rsh_command>ssh</rsh_command>
<cback_command>cback3</cback_command><managed>y</managed><managed_actions>collect, purge</managed_actions>
<ignore_failures>weekly</ignore_failures></peer>`);
    expect(issues).toEqual([]);
    expect(peers).toEqual({
      remotePeers: [
        {
          type: "remote",
          name: "h",
          collectDir: "/c",
          backupUser: "u",
          rcpCommand: "scp -B",
          rshCommand: "ssh",
          cbackCommand: "cback3",
          managed: true,
          managedActions: ["collect", "purge"],
          ignoreFailures: "weekly",
        },
      ],
    });
  });

  it("reads only local fields for a local peer", () => {
    const { peers } = read(
      "<peer><name>l</name><type>local</type><collect_dir>/c</collect_dir><managed>Y</managed></peer>",
    );
    expect(peers).toEqual({ localPeers: [{ type: "local", name: "l", collectDir: "/c" }] });
  });

  it.each([
    ["local", "local"],
    ["remote", "remote"],
    ["Local", "ignored"],
    [" remote", "ignored"],
    ["", "ignored"],
  ])("type %j is %s", (type, kind) => {
    const { root } = parseXml(`<peers><peer><type>${type}</type></peer></peers>`);
    const nodes = peerNodes(root);
    expect({
      local: nodes.local.length,
      remote: nodes.remote.length,
      ignored: nodes.ignored.length,
    }).toEqual({
      local: kind === "local" ? 1 : 0,
      remote: kind === "remote" ? 1 : 0,
      ignored: kind === "ignored" ? 1 : 0,
    });
  });

  it("reports invalid values at their elements", () => {
    expect(
      read(`<peer><name>h</name><type>remote</type><collect_dir>c</collect_dir><managed>yes</managed>
<managed_actions>collect,Purge</managed_actions><ignore_failures>All</ignore_failures></peer>`)
        .issues,
    ).toMatchInlineSnapshot(`
      [
        "1:58: peers/peer/collect_dir: must be an absolute path, got "c"",
        "1:86: peers/peer/managed: must be one of Y, y, N, n, got "yes"",
        "2:1: peers/peer/managed_actions: action names must be lower-case letters and digits only, got "Purge"",
        "2:49: peers/peer/ignore_failures: must be one of none, all, daily, weekly, got "All"",
      ]
    `);
  });
});
