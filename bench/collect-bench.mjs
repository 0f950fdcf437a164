// `npm run bench`: the collect benchmarks of docs/benchmarks.md. Generates two deterministic
// trees (20,000 files / ~475 MB, a third incompressible; 200,000 small files / ~300 MB), then
// measures, in the same run, GNU `tar czf` and cback's collect on each: wall time and peak RSS
// (from GNU time). Writes the table to docs/benchmarks.md (unless --no-write).
import { execFileSync, spawnSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { shebangNodeOptions } from "./node-options.mjs";

const project = join(dirname(fileURLToPath(import.meta.url)), "..");
const base = process.env.CBACK_BENCH_DIR ?? "/tmp/cback-bench";
const cback = join(project, "dist/cli/cback.js");
// Read when used: the build that `npm run bench` starts with may rewrite the file.
const nodeOptions = () => shebangNodeOptions(cback);
const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const notToday = DAYS[(new Date().getDay() + 3) % 7];

function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const WORDS =
  "backup collect stage store purge peer digest archive tarfile staging indicator media disc weekly daily incremental configuration".split(
    " ",
  );

function content(next, size, incompressible) {
  const buf = Buffer.allocUnsafe(size);
  if (incompressible) {
    for (let i = 0; i + 4 <= size; i += 4) buf.writeUInt32LE(next(), i);
    for (let i = size - (size % 4); i < size; i++) buf[i] = next() & 0xff;
    return buf;
  }
  let offset = 0;
  while (offset < size) {
    const word = WORDS[next() % WORDS.length] + (next() % 7 === 0 ? "\n" : " ");
    offset += buf.write(word, offset);
  }
  return buf;
}

function generate(name, files, perDir, averageSize, seed) {
  const root = join(base, name);
  const marker = join(root, ".complete");
  if (existsSync(marker)) return root;
  rmSync(root, { recursive: true, force: true });
  const next = rng(seed);
  let total = 0;
  for (let i = 0; i < files; i++) {
    const dir = join(root, "tree", `d${String(Math.floor(i / perDir)).padStart(4, "0")}`);
    if (i % perDir === 0) mkdirSync(dir, { recursive: true });
    // Sizes spread from 0.25x to 1.75x the average.
    const size = Math.floor(averageSize * (0.25 + (next() % 1500) / 1000));
    writeFileSync(join(dir, `f${i}.dat`), content(next, size, i % 3 === 0));
    total += size;
  }
  writeFileSync(marker, String(total));
  return root;
}

// Every measured command (tar and cback alike) gets the environment cron gives a job, not
// this shell's: a variable such as NODE_EXTRA_CA_CERTS (set on our build machines) makes each
// node process read a certificate bundle at start-up, about 40 ms that a cron job never pays.
const CRON_ENV = {
  PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
  HOME: process.env.HOME ?? "/root",
  LOGNAME: process.env.LOGNAME ?? "root",
  SHELL: "/bin/sh",
};

function timed(argv, env = {}) {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %M", ...argv], {
    encoding: "utf8",
    env: { ...CRON_ENV, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const last = r.stderr.trim().split("\n").pop() ?? "";
  const [seconds, kb] = last.split(" ").map(Number);
  if (r.status !== 0)
    throw new Error(`${argv.join(" ")} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { seconds, rssMiB: kb / 1024 };
}

function configFor(root, mode) {
  const work = join(root, "work");
  const collect = join(root, "collect");
  rmSync(work, { recursive: true, force: true });
  rmSync(collect, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  mkdirSync(collect, { recursive: true });
  const path = join(root, "cback.conf");
  writeFileSync(
    path,
    `<cb_config><options><starting_day>${notToday}</starting_day><working_dir>${work}</working_dir>
<backup_user>root</backup_user><backup_group>root</backup_group><rcp_command>/usr/bin/scp -B</rcp_command></options>
<collect><collect_dir>${collect}</collect_dir><collect_mode>${mode}</collect_mode><archive_mode>targz</archive_mode>
<ignore_file>.cbignore</ignore_file><dir><abs_path>${join(root, "tree")}</abs_path></dir></collect></cb_config>`,
  );
  return path;
}

function runCback(config, args) {
  return timed(
    [
      process.execPath,
      ...nodeOptions(),
      cback,
      "-c",
      config,
      "-l",
      join(dirname(config), "cback.log"),
      ...args,
    ],
    {
      CBACK_LOCK_DIR: dirname(config),
    },
  );
}

const fmt = (n, d = 2) => n.toFixed(d);
if (!existsSync(cback)) execFileSync("npm", ["run", "build"], { cwd: project, stdio: "inherit" });
mkdirSync(base, { recursive: true });
console.log(`generating trees in ${base} (once)...`);
const trees = [
  {
    label: "20,000 files, ~475 MB (1/3 incompressible)",
    root: generate("tree-20k", 20_000, 200, 23_750, 7),
  },
  { label: "200,000 files, ~300 MB", root: generate("tree-200k", 200_000, 200, 1_500, 11) },
];
// Every measurement runs ROUNDS times, alternating tar and cback so a load spike on this
// 2-core VM does not decide a comparison: a row gives the median time and the highest RSS.
const ROUNDS = Number(process.env.CBACK_BENCH_ROUNDS ?? 3);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const summarize = (runs) => ({
  seconds: median(runs.map((run) => run.seconds)),
  rssMiB: Math.max(...runs.map((run) => run.rssMiB)),
});
const rows = [];
for (const tree of trees) {
  const bytes = Number(readFileSync(join(tree.root, ".complete"), "utf8"));
  execFileSync("sh", ["-c", `cat $(find ${tree.root}/tree -type f | head -2000) > /dev/null`]);
  const runs = { tar: [], daily: [], incrFirst: [], incrFull: [], incrNone: [] };
  for (let round = 0; round < ROUNDS; round++) {
    runs.tar.push(timed(["tar", "czf", join(base, "out.tar.gz"), "-C", tree.root, "tree"]));
    rmSync(join(base, "out.tar.gz"), { force: true });
    runs.daily.push(runCback(configFor(tree.root, "daily"), ["collect"]));
    const incrConfig = configFor(tree.root, "incr");
    // A first incremental run, not at the start of the week: no digest yet, so every file.
    runs.incrFirst.push(runCback(incrConfig, ["collect"]));
    runs.incrFull.push(runCback(incrConfig, ["--full", "collect"]));
    runs.incrNone.push(runCback(incrConfig, ["collect"]));
  }
  const row = {
    tree: tree.label,
    bytes,
    tar: summarize(runs.tar),
    daily: summarize(runs.daily),
    incrFirst: summarize(runs.incrFirst),
    incrFull: summarize(runs.incrFull),
    incrNone: summarize(runs.incrNone),
  };
  rows.push(row);
  console.log(tree.label, JSON.stringify(row));
}

const cpu = cpus()[0]?.model ?? "unknown CPU";
const lines = [
  "# Benchmarks",
  "",
  "Produced by `npm run bench` (bench/collect-bench.mjs); every figure in a row comes from the",
  "same run. Wall time and peak RSS from GNU time (`%e`, `%M`). `tar czf` is GNU tar + gzip -6",
  "on the same tree; cback writes `targz` archives (parallel gzip, level 6). Each figure is",
  `the median time (the highest RSS) of ${ROUNDS} rounds that alternate tar and the four cback runs.`,
  `cback runs with the node options of its shebang (${nodeOptions().join(" ") || "none"}; ADR 0009).`,
  "Every command runs with the environment cron gives a job (PATH, HOME, LOGNAME, SHELL), not the",
  "benchmarking shell's: NODE_EXTRA_CA_CERTS, set on the build machines, adds ~40 ms to each node start.",
  "",
  `Machine: ${cpus().length} × ${cpu}, ${fmt(totalmem() / 2 ** 30, 0)} GiB RAM, Node.js ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
  "",
  "| tree | `tar czf` | collect daily (full) | ratio | collect incr, first run | collect incr `--full` | incr, nothing changed | peak RSS (daily / incr first / incr `--full` / incr unchanged) |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ...rows.map(
    (r) =>
      `| ${r.tree} | ${fmt(r.tar.seconds)} s | ${fmt(r.daily.seconds)} s | ${fmt(r.daily.seconds / r.tar.seconds)} × | ${fmt(r.incrFirst.seconds)} s | ${fmt(r.incrFull.seconds)} s | ${fmt(r.incrNone.seconds)} s | ${fmt(r.daily.rssMiB, 0)} / ${fmt(r.incrFirst.rssMiB, 0)} / ${fmt(r.incrFull.rssMiB, 0)} / ${fmt(r.incrNone.rssMiB, 0)} MiB |`,
  ),
  "",
  "Targets (issue 3, 2 cores): full `targz` collect ≤ 0.55 × `tar czf` on both trees;",
  "incremental with nothing changed on the 200k tree ≤ 0.8 s; peak RSS ≤ 90 MiB on the 200k tree.",
  "",
];
console.log(lines.join("\n"));
if (!process.argv.includes("--no-write")) {
  // Keep the stage section written by bench/stage-bench.mjs, if any.
  const doc = join(project, "docs/benchmarks.md");
  const current = existsSync(doc) ? readFileSync(doc, "utf8") : "";
  const marker = current.indexOf("\n## Stage over ssh (loopback)");
  writeFileSync(doc, lines.join("\n") + (marker < 0 ? "" : current.slice(marker)));
}
