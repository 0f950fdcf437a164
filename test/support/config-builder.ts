import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";

/** The current user and primary group, usable as backup user and group in test configs. */
export function currentUserAndGroup(): { user: string; group: string } {
  return {
    user: userInfo().username,
    group: execFileSync("id", ["-gn"], { encoding: "utf8" }).trim(),
  };
}

/**
 * Write a small valid configuration into `dir` (with `work/` and `collect/` made there) and
 * return its path. `extra` is inserted inside `<cb_config>`; `optionsExtra` inside `<options>`.
 */
export function writeTestConfig(
  dir: string,
  parts: { extra?: string; optionsExtra?: string; name?: string } = {},
): string {
  const { user, group } = currentUserAndGroup();
  mkdirSync(join(dir, "work"), { recursive: true });
  mkdirSync(join(dir, "collect"), { recursive: true });
  const path = join(dir, parts.name ?? "cback.conf");
  writeFileSync(
    path,
    `<?xml version="1.0"?>
<cb_config>
   <reference><author>test</author></reference>
   ${parts.extra ?? ""}
   <options>
      <starting_day>monday</starting_day>
      <working_dir>${dir}/work</working_dir>
      <backup_user>${user}</backup_user>
      <backup_group>${group}</backup_group>
      <rcp_command>/usr/bin/scp -B</rcp_command>
      ${parts.optionsExtra ?? ""}
   </options>
   <purge>
      <dir><abs_path>${dir}/collect</abs_path><retain_days>0</retain_days></dir>
   </purge>
</cb_config>
`,
  );
  return path;
}
