/**
 * Listing a purge directory as Cedar's PurgeItemList does: everything below it (not the
 * directory itself), parents before their children, raw directory order, symbolic links
 * listed but never followed, special files left out.
 */
import { lstatSync, opendirSync, statSync, type OpenDirOptions } from "node:fs";
import { decodeFsName, encodeFsName } from "../domain/fs-name.js";
import type { PurgeItem } from "../domain/purge-plan.js";

/** A listed item with the bytes of its path, for deleting it whatever its name's encoding. */
export interface ListedPurgeItem extends PurgeItem {
  readonly bytes: Buffer;
}

// Raw order (readdir's own order, like Python's os.listdir): opendir, not readdirSync.
const BUFFER_NAMES = { encoding: "buffer" } as unknown as OpenDirOptions;

/**
 * List everything below `dir`.
 * @throws Error naming the path when `dir` is not a directory (Cedar: exit 6)
 */
export function listPurgeItems(
  dir: string,
  onSkip: (path: string, reason: string) => void = () => undefined,
): ListedPurgeItem[] {
  const root = dir.length > 1 ? dir.replace(/\/$/, "") : dir;
  const rootBytes = encodeFsName(root);
  if (!isDirectory(rootBytes))
    throw new Error(`path is not a directory or does not exist on disk: ${root}`);
  const items: ListedPurgeItem[] = [];
  walk(root, rootBytes, items, onSkip);
  return items;
}

function isDirectory(bytes: Buffer): boolean {
  try {
    return statSync(bytes).isDirectory(); // a link to a directory counts, as os.path.isdir
  } catch {
    return false;
  }
}

function walk(
  path: string,
  bytes: Buffer,
  items: ListedPurgeItem[],
  onSkip: (path: string, reason: string) => void,
): void {
  const children: { path: string; bytes: Buffer }[] = [];
  const prefix = path === "/" ? "/" : `${path}/`;
  const prefixBytes = path === "/" ? bytes : Buffer.concat([bytes, Buffer.of(0x2f)]);
  try {
    const handle = opendirSync(bytes, BUFFER_NAMES);
    try {
      for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
        const name = entry.name as unknown as Buffer;
        children.push({
          path: prefix + decodeFsName(name),
          bytes: Buffer.concat([prefixBytes, name]),
        });
      }
    } finally {
      handle.closeSync();
    }
  } catch (error) {
    onSkip(path, `cannot list the directory (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    return;
  }
  for (const child of children) {
    let stat;
    try {
      stat = lstatSync(child.bytes);
    } catch {
      continue; // vanished meanwhile
    }
    const kind = stat.isSymbolicLink()
      ? "link"
      : stat.isDirectory()
        ? "dir"
        : stat.isFile()
          ? "file"
          : undefined;
    if (kind === undefined) continue;
    items.push({ ...child, kind, atimeMs: stat.atimeMs, mtimeMs: stat.mtimeMs });
    if (kind === "dir") walk(child.path, child.bytes, items, onSkip);
  }
}
