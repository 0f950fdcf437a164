// `npm run example`: builds a small host tree and a configuration in a temp dir, then runs
// the built cback on it (validate, then the daily job this version implements).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const project = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = mkdtempSync(join(tmpdir(), "cback-example-"));
for (const dir of ["work", "collect", "staging", "data/etc/app", "data/home/user"]) {
  mkdirSync(join(root, dir), { recursive: true });
}
writeFileSync(join(root, "data/etc/hosts"), "127.0.0.1 localhost\n");
writeFileSync(join(root, "data/etc/app/app.conf"), "level = 3\n");
writeFileSync(join(root, "data/home/user/notes.txt"), "remember the milk\n");
writeFileSync(join(root, "data/home/user/scratch.tmp"), "not backed up\n");

const user = userInfo().username;
const group = execFileSync("id", ["-gn"], { encoding: "utf8" }).trim();
const config = readFileSync(join(project, "examples/cback.conf.template"), "utf8")
  .replaceAll("@ROOT@", root)
  .replaceAll("@USER@", user)
  .replaceAll("@GROUP@", group);
const configPath = join(root, "cback.conf");
writeFileSync(configPath, config);

const cback = join(project, "dist/cli/cback.js");
const jobs = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["validate", "collect"];
console.log(`example tree and configuration in ${root}`);
for (const action of jobs) {
  console.log(`\n$ cback --config ${configPath} --logfile ${root}/cback.log --verbose ${action}`);
  const run = spawnSync(
    process.execPath,
    [cback, "--config", configPath, "--logfile", join(root, "cback.log"), "--verbose", action],
    { stdio: "inherit", env: { ...process.env, CBACK_LOCK_DIR: root } },
  );
  console.log(`(exit ${run.status})`);
}
