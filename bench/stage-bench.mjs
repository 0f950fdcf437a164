// `npm run bench:stage` (as root): stage benchmark of docs/benchmarks.md. Starts the test
// sshd on loopback (test/support/sshd.ts, compiled on the fly), puts 1 GiB of
// incompressible files in a peer's collect dir, then measures in the same run: a plain
// `scp -r` of that directory, `cback stage` of one remote peer (as the backup user and as
// root), and three peers staged with <concurrency> 1 and 3; for context, scp with Cedar's
// copy argv (`<dir>/*`) and `scp -r` followed by `sync -f`. Every run uses the same user and
// scp options, so only the copy strategy differs. Appends its table to docs/benchmarks.md.
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { shebangNodeOptions } from "./node-options.mjs";

const project = join(dirname(fileURLToPath(import.meta.url)), "..");
const base = process.env.CBACK_BENCH_DIR ?? "/tmp/cback-bench";
const cback = join(project, "dist/cli/cback.js");
const nodeOptions = shebangNodeOptions(cback);
if (process.getuid?.() !== 0)
  throw new Error("run the stage benchmark as root (it runs sshd and switches users)");

const compiled = join(base, "sshd-helper");
rmSync(compiled, { recursive: true, force: true });
execFileSync(
  join(project, "node_modules/.bin/tsc"),
  [
    "--outDir",
    compiled,
    "--module",
    "nodenext",
    "--moduleResolution",
    "nodenext",
    "--target",
    "es2022",
    "--skipLibCheck",
    "--types",
    "node",
    join(project, "test/support/sshd.ts"),
  ],
  { stdio: "inherit" },
);
writeFileSync(join(compiled, "package.json"), '{"type":"module"}');
const { startSshd } = await import(pathToFileURL(join(compiled, "sshd.js")).href);

const sshd = await startSshd();
const user = sshd.users[0];
const id = (flag) => Number(execFileSync("id", [flag, user], { encoding: "utf8" }).trim());
const [uid, gid] = [id("-u"), id("-g")];
const root = join(base, "stage");
rmSync(root, { recursive: true, force: true });
mkdirSync(root, { recursive: true });
chmodSync(root, 0o755);
const key = join(root, "key");
copyFileSync(sshd.key, key);
chownSync(key, uid, gid);
chmodSync(key, 0o600);
const rcp = sshd.rcpCommand().replace(`-i ${sshd.key}`, `-i ${key}`);

// 1 GiB: 64 files of 16 MiB, incompressible, in each of three peers' collect dirs.
const peers = ["peer1", "peer2", "peer3"].map((name) => join(root, name));
for (const dir of peers) mkdirSync(dir);
for (const dir of peers) {
  for (let i = 0; i < 64; i++) {
    spawnSync("sh", ["-c", `head -c ${16 * 1024 * 1024} /dev/urandom > ${join(dir, `f${i}.bin`)}`]);
  }
  writeFileSync(join(dir, "cback.collect"), "");
  execFileSync("chown", ["-R", `${uid}:${gid}`, dir]);
}
const work = join(root, "work");
const staging = join(root, "staging");
for (const dir of [work, staging, join(root, "scp")]) {
  mkdirSync(dir);
  chownSync(dir, uid, gid);
}

// `asRoot` runs the command as root (a cron job of root's): cback then copies as the
// backup user through `su`, as Cedar does.
function asUser(argv, asRoot = false) {
  // Write back what earlier runs left dirty first, so that no run pays for the writeback of
  // another: scp leaves 1 GiB dirty in the page cache, stage fsyncs what it staged.
  execFileSync("sync");
  const start = process.hrtime.bigint();
  const [program, ...args] = asRoot
    ? argv
    : ["setpriv", "--reuid", String(uid), "--regid", String(gid), "--init-groups", ...argv];
  const r = spawnSync(program, args, {
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: root, CBACK_LOCK_DIR: work },
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${argv.join(" ")}: ${r.status}\n${r.stdout}\n${r.stderr}`);
  return seconds;
}

function stageConfig(name, count, concurrency) {
  const path = join(root, `${name}.conf`);
  const peerXml = peers
    .slice(0, count)
    .map(
      (dir, i) =>
        `<peer><name>${sshd.hosts[i]}</name><type>remote</type><collect_dir>${dir}</collect_dir><backup_user>${user}</backup_user></peer>`,
    )
    .join("");
  writeFileSync(
    path,
    `<cb_config><options><starting_day>monday</starting_day><working_dir>${work}</working_dir><backup_user>${user}</backup_user>
<backup_group>${user}</backup_group><rcp_command>${rcp}</rcp_command></options>
<stage><staging_dir>${staging}</staging_dir>${concurrency > 1 ? `<concurrency>${concurrency}</concurrency>` : ""}${peerXml}</stage></cb_config>`,
  );
  return path;
}

const mib = (count) => count * 64 * 16;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
// scp and the one-peer stage alternate, ROUNDS times each, and each row gives the median, so
// a load spike on this 2-core machine does not decide the comparison.
const ROUNDS = Number(process.env.CBACK_BENCH_ROUNDS ?? 3);
const rows = [];
let pairedRatios;
try {
  // An empty target for a plain scp, and scp's argv copying `source` there.
  const freshScp = (...source) => {
    const target = join(root, "scp");
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target);
    chownSync(target, uid, gid);
    return [...rcp.split(" ").filter((t) => t !== "-q"), ...source, target];
  };
  const scpOnce = () => asUser(freshScp("-r", `${user}@${sshd.hosts[0]}:${peers[0]}`));
  // For context: scp with Cedar's copy argv, `<collect_dir>/*` instead of `-r <collect_dir>`,
  // which is what stage runs.
  const scpCedarArgvOnce = () => asUser(freshScp(`${user}@${sshd.hosts[0]}:${peers[0]}/*`));
  // Each run stages into an empty staging dir, as on a new day.
  const stage = (name, peerCount, concurrency, asRoot = false) => {
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging);
    chownSync(staging, uid, gid);
    // Every peer's files in the page cache, as the first peer's are from the scp runs: the
    // kernel may have reclaimed the others' since they were written, and reading them back
    // from disk would be measured as staging.
    for (const dir of peers.slice(0, peerCount)) {
      execFileSync("sh", ["-c", 'cat "$0"/* > /dev/null', dir]);
    }
    const config = stageConfig(name, peerCount, concurrency);
    return asUser(
      [
        process.execPath,
        ...nodeOptions,
        cback,
        "-c",
        config,
        "-l",
        join(work, `${name}.log`),
        "stage",
      ],
      asRoot,
    );
  };
  // For context: the same scp followed by `sync -f` of its target, which makes the copy as
  // durable as stage makes its own (stage fsyncs what it staged before publishing it).
  const scpSyncOnce = () => {
    const scpArgv = freshScp("-r", `${user}@${sshd.hosts[0]}:${peers[0]}`);
    return asUser(["sh", "-c", '"$@" && sync -f "$0"', scpArgv.at(-1), ...scpArgv]);
  };
  const scpTimes = [];
  const oneTimes = [];
  const scpSyncTimes = [];
  const rootTimes = [];
  const cedarArgvTimes = [];
  for (let round = 0; round < ROUNDS; round++) {
    scpTimes.push(scpOnce());
    cedarArgvTimes.push(scpCedarArgvOnce());
    oneTimes.push(stage("one", 1, 1));
    scpSyncTimes.push(scpSyncOnce());
    rootTimes.push(stage("root", 1, 1, true));
  }
  const scp = median(scpTimes);
  const one = median(oneTimes);
  const scpSync = median(scpSyncTimes);
  const asRoot = median(rootTimes);
  const cedarArgv = median(cedarArgvTimes);
  pairedRatios = scpTimes.map((seconds, round) => seconds / oneTimes[round]);
  console.log(JSON.stringify({ scpTimes, cedarArgvTimes, oneTimes, scpSyncTimes, rootTimes }));
  rows.push(["`scp -r`, 1 peer", scp, mib(1) / scp]);
  rows.push(["`cback stage`, 1 peer", one, mib(1) / one]);
  rows.push(["`cback stage` as root (copies through `su`), 1 peer", asRoot, mib(1) / asRoot]);
  rows.push(["`scp -r` then `sync -f` (durable like stage), 1 peer", scpSync, mib(1) / scpSync]);
  rows.push([
    "`scp <dir>/*` (Cedar's copy argv, not durable), 1 peer",
    cedarArgv,
    mib(1) / cedarArgv,
  ]);
  // The three-peer runs take 8-12 s each: 3 alternating rounds.
  const seqTimes = [];
  const parTimes = [];
  for (let round = 0; round < 3; round++) {
    seqTimes.push(stage("seq", 3, 1));
    parTimes.push(stage("par", 3, 3));
  }
  console.log(JSON.stringify({ seqTimes, parTimes }));
  for (const [label, times] of [
    ["`cback stage`, 3 peers, sequential", seqTimes],
    ["`cback stage`, 3 peers, concurrency 3", parTimes],
  ]) {
    const seconds = median(times);
    rows.push([label, seconds, mib(3) / seconds]);
  }
} finally {
  await sshd.stop();
}
const table = [
  "",
  "## Stage over ssh (loopback)",
  "",
  `Produced by \`npm run bench:stage\` (bench/stage-bench.mjs), ${new Date().toISOString().slice(0, 10)}: 1 GiB per peer`,
  "(64 incompressible files of 16 MiB), the same scp options and user for every row, and a",
  "`sync` before each run (outside its time) so that no run pays for another's writeback; the",
  "peers' files are read into the page cache before each stage run, as `scp -r` finds the first's.",
  `The first five rows are medians of ${ROUNDS} alternating runs, the three-peer rows of 3.`,
  "",
  "| run | wall time | throughput | vs scp |",
  "| --- | --- | --- | --- |",
  ...rows.map(
    ([label, seconds, rate]) =>
      `| ${label} | ${seconds.toFixed(2)} s | ${rate.toFixed(0)} MiB/s | ${(rate / rows[0][2]).toFixed(2)} × |`,
  ),
  "",
  ...(pairedRatios === undefined
    ? []
    : [
        `Round by round, \`cback stage\` (1 peer) ran at ${pairedRatios.map((r) => r.toFixed(2)).join(", ")} × the`,
        "throughput of the same round's `scp -r`: the machine's speed drifts between rounds, so",
        "a single round says little.",
        "",
      ]),
];
console.log(table.join("\n"));
if (!process.argv.includes("--no-write")) {
  // Replace an earlier stage section, keep the collect figures above it.
  const doc = join(project, "docs/benchmarks.md");
  const current = existsSync(doc) ? readFileSync(doc, "utf8") : "# Benchmarks\n";
  const kept = current.split("\n## Stage over ssh (loopback)")[0].trimEnd();
  writeFileSync(doc, `${kept}\n${table.join("\n")}`);
}
