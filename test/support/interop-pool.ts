import {
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";

/**
 * Small pools shared by our `cback` and the Python `cback3` (cback3-interop e2e tests): one
 * client tree, one XML configuration both programs read, and the names both must agree on.
 */

/** The data tree of every interop client: relative path -> content (plus `link` -> keep.txt). */
export const CLIENT_DATA: Readonly<Record<string, string>> = {
  "keep.txt": "kept as is\n",
  "change.txt": "first version\n",
  "sub/deep.txt": "deep file\n",
};

/** One client: `data/` (what it backs up), `collect/`, `work/`, its config and log paths. */
export interface InteropClient {
  readonly dir: string;
  readonly data: string;
  readonly collect: string;
  readonly work: string;
  readonly config: string;
  readonly log: string;
}

/** Create `<root>/<name>` with empty collect and work dirs and the {@link CLIENT_DATA} tree. */
export function interopClient(root: string, name: string): InteropClient {
  const dir = join(root, name);
  const client = {
    dir,
    data: join(dir, "data"),
    collect: join(dir, "collect"),
    work: join(dir, "work"),
    config: join(dir, "cback.conf"),
    log: join(dir, "cback.log"),
  };
  for (const sub of [client.collect, client.work]) mkdirSync(sub, { recursive: true });
  for (const [path, content] of Object.entries(CLIENT_DATA)) {
    mkdirSync(dirname(join(client.data, path)), { recursive: true });
    writeFileSync(join(client.data, path), content);
  }
  symlinkSync("keep.txt", join(client.data, "link"));
  return client;
}

/** The XML both programs read for a client that collects `client.data` as one archive. */
export function clientConfigXml(
  client: InteropClient,
  options: {
    backupUser: string;
    backupGroup: string;
    startingDay?: string;
    collectMode?: "daily" | "weekly" | "incr";
    archiveMode?: "tar" | "targz" | "tarbz2";
  },
): string {
  return `<?xml version="1.0"?>
<cb_config>
  <options>
    <starting_day>${options.startingDay ?? "monday"}</starting_day>
    <working_dir>${client.work}</working_dir>
    <backup_user>${options.backupUser}</backup_user>
    <backup_group>${options.backupGroup}</backup_group>
    <rcp_command>/usr/bin/scp -B</rcp_command>
  </options>
  <collect>
    <collect_dir>${client.collect}</collect_dir>
    <collect_mode>${options.collectMode ?? "daily"}</collect_mode>
    <archive_mode>${options.archiveMode ?? "tar"}</archive_mode>
    <ignore_file>.cbignore</ignore_file>
    <dir><abs_path>${client.data}</abs_path></dir>
  </collect>
</cb_config>
`;
}

/** A remote peer of a master configuration. */
export interface InteropPeer {
  readonly host: string;
  readonly user: string;
  readonly collectDir: string;
  /** Managed peers run `cbackCommand` for the managed actions (collect). */
  readonly cbackCommand?: string;
}

/**
 * A master configuration both programs read: it collects `<dir>/data`, stages the `<peers>`
 * into `<dir>/staging` through `/usr/bin/scp -B` as `backupUser` (whose ~/.ssh reaches the
 * peers) and runs managed `collect` on peers with a cback command through `/usr/bin/ssh`.
 */
export function masterConfigXml(
  dir: string,
  backupUser: string,
  peers: readonly InteropPeer[],
): string {
  const peerXml = peers
    .map(
      (peer) => `    <peer>
      <name>${peer.host}</name>
      <type>remote</type>
      <collect_dir>${peer.collectDir}</collect_dir>
      <backup_user>${peer.user}</backup_user>${
        peer.cbackCommand === undefined
          ? ""
          : `
      <managed>Y</managed>
      <cback_command>${peer.cbackCommand}</cback_command>`
      }
    </peer>`,
    )
    .join("\n");
  return `<?xml version="1.0"?>
<cb_config>
  <options>
    <starting_day>monday</starting_day>
    <working_dir>${dir}/work</working_dir>
    <backup_user>${backupUser}</backup_user>
    <backup_group>${backupUser}</backup_group>
    <rcp_command>/usr/bin/scp -B</rcp_command>
    <rsh_command>/usr/bin/ssh</rsh_command>
    <managed_actions>collect</managed_actions>
  </options>
  <peers>
${peerXml}
  </peers>
  <collect>
    <collect_dir>${dir}/collect</collect_dir>
    <collect_mode>daily</collect_mode>
    <archive_mode>tar</archive_mode>
    <ignore_file>.cbignore</ignore_file>
    <dir><abs_path>${dir}/data</abs_path></dir>
  </collect>
  <stage>
    <staging_dir>${dir}/staging</staging_dir>
  </stage>
</cb_config>
`;
}

/**
 * Cedar's `buildNormalizedPath` for the plain absolute paths these tests use (no spaces,
 * colons or leading dots): the archive and digest base name of a collected directory.
 */
export function normalizedName(absPath: string): string {
  return absPath.replace(/^\//, "").replaceAll("/", "-");
}

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/** A `<starting_day>` that makes today (UTC, as both programs run with TZ=UTC) not the start of the week. */
export function startingDayOtherThanToday(now = new Date()): string {
  return WEEKDAYS[(now.getUTCDay() + 1) % 7] ?? "monday";
}

/** Today's `YYYY/MM/DD` staging path in UTC. */
export function utcDay(date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}`;
}

/** Names in `dir`, sorted. */
export function listing(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** Every regular file of `dir` (not recursive) by name -> content. */
export function fileContents(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const name of listing(dir)) {
    const path = join(dir, name);
    if (statSync(path).isFile()) out[name] = readFileSync(path);
  }
  return out;
}
