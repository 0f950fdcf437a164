import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";

/**
 * The permission bits a plain new file gets in `dir` (0o666 less the process umask): the
 * mode Cedar's outputs have, since Python creates them with `open()`. Found by creating a
 * probe file, because reading the umask without setting it is deprecated in Node.js.
 */
export function plainFileMode(dir: string): number {
  const probe = join(dir, `.cback-mode-probe-${randomBytes(6).toString("hex")}`);
  const fd = openSync(probe, "wx", 0o666);
  try {
    return fstatSync(fd).mode & 0o777;
  } finally {
    closeSync(fd);
    rmSync(probe, { force: true });
  }
}
