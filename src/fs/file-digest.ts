import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";

const BLOCK = 1024 * 1024;
let buffer: Buffer | undefined;

/**
 * SHA-1 of a file's content (Cedar's digest), read synchronously through one reused 1 MiB
 * buffer: on trees of many small files per-file async overhead costs more than the reads.
 * @param path the file, as bytes (see domain/fs-name.ts) or a string
 * @returns the 20-byte digest
 * @throws the fs error when the file cannot be opened or read
 */
export function sha1OfFile(path: string | Buffer): Buffer {
  buffer ??= Buffer.allocUnsafe(BLOCK);
  const hash = createHash("sha1");
  const fd = openSync(path, "r");
  try {
    for (;;) {
      const read = readSync(fd, buffer, 0, BLOCK, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest();
}
