/**
 * Tar header blocks, byte for byte as Python's `tarfile` writes them in GNU format: pure
 * functions of already-collected fields (no IO).
 */

/** Size of a tar block: headers and data are padded to it. */
export const BLOCK_SIZE = 512;

/** Python's `tarfile.RECORDSIZE`: a finished archive is padded to a multiple of it. */
export const RECORD_SIZE = 20 * BLOCK_SIZE;

/** Longest name (and link target) that fits a header without a `././@LongLink` record. */
export const NAME_FIELD_LENGTH = 100;

/** Type flags written by collect: regular file, hard link, symlink, GNU long name/link. */
export const TarType = {
  file: 0x30,
  hardLink: 0x31,
  symlink: 0x32,
  longName: 0x4c,
  longLink: 0x4b,
} as const;

/** One of the {@link TarType} flag bytes. */
export type TarTypeFlag = (typeof TarType)[keyof typeof TarType];

/** The fields of one member header, already resolved to bytes and integers. */
export interface TarHeaderFields {
  /** Member name as bytes (no leading `/`). */
  readonly name: Uint8Array;
  /** Permission bits; only `mode & 0o7777` is stored. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Data size: the file size for regular files, 0 for links. */
  readonly size: number;
  /** Modification time in whole seconds (may be negative). */
  readonly mtime: number;
  readonly type: TarTypeFlag;
  /** Target of a hard or symbolic link, as bytes; empty otherwise. */
  readonly linkName: Uint8Array;
  /** Owner and group names; empty when unknown; cut to 32 bytes. */
  readonly uname: Uint8Array;
  readonly gname: Uint8Array;
}

const GNU_MAGIC = Buffer.from("ustar  \0", "latin1");
const LONG_LINK_NAME = Buffer.from("././@LongLink", "latin1");
const EMPTY = new Uint8Array(0);

/**
 * Python's `itn`: a numeric header field of `width` bytes. Values below `8 ** (width - 1)`
 * are zero-padded octal plus NUL; in GNU format larger or negative values use base-256 (a
 * leading 0x80, or 0xff for negatives, then big-endian two's complement).
 * @throws RangeError when the value does not fit (or is out of octal range outside GNU format)
 */
export function encodeNumberField(value: number, width: number, gnu = true): Buffer {
  const n = BigInt(Math.trunc(value));
  const octalLimit = 8n ** BigInt(width - 1);
  if (n >= 0n && n < octalLimit) {
    return Buffer.from(`${n.toString(8).padStart(width - 1, "0")}\0`, "latin1");
  }
  const binaryLimit = 256n ** BigInt(width - 1);
  if (!gnu || n < -binaryLimit || n >= binaryLimit) {
    throw new RangeError(`value ${value} does not fit a ${width}-byte tar header field`);
  }
  const field = Buffer.alloc(width);
  let rest = n >= 0n ? n : 256n ** BigInt(width) + n;
  for (let i = width - 1; i >= 1; i--) {
    field[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  field[0] = n >= 0n ? 0x80 : 0xff;
  return field;
}

/** The unsigned header checksum: every byte summed, the checksum field counted as spaces. */
export function headerChecksum(block: Uint8Array): number {
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    if (i < 148 || i >= 156) sum += block[i] ?? 0;
  }
  return sum;
}

/** Bytes of zero padding that follow `size` bytes of member data. */
export function paddingAfter(size: number): number {
  const rest = size % BLOCK_SIZE;
  return rest === 0 ? 0 : BLOCK_SIZE - rest;
}

/**
 * The octal form of {@link encodeNumberField} written in place, for the common case of an
 * integer that fits it; false (nothing written) otherwise.
 */
function putOctal(block: Buffer, value: number, offset: number, width: number): boolean {
  let rest = Math.trunc(value);
  if (!(rest >= 0 && rest < 8 ** (width - 1))) return false;
  block[offset + width - 1] = 0;
  for (let i = offset + width - 2; i >= offset; i--) {
    block[i] = 0x30 + (rest % 8);
    rest = Math.floor(rest / 8);
  }
  return true;
}

/** `bytes` (at most `length` of them) into `block` at `offset`. */
function putField(block: Buffer, bytes: Uint8Array, offset: number, length: number): void {
  block.set(bytes.length > length ? bytes.subarray(0, length) : bytes, offset);
}

/** A numeric field: octal in place when it fits, else {@link encodeNumberField}. */
function putNumber(block: Buffer, value: number, offset: number, width: number, gnu: boolean) {
  if (!putOctal(block, value, offset, width)) {
    putField(block, encodeNumberField(value, width, gnu), offset, width);
  }
}

/** Python's `_create_header`: one 512-byte header block, in `block` when given. */
function headerBlock(fields: TarHeaderFields, gnu: boolean, block?: Buffer): Buffer {
  if (block === undefined) block = Buffer.alloc(BLOCK_SIZE);
  else block.fill(0, 0, BLOCK_SIZE);
  putField(block, fields.name, 0, 100);
  putNumber(block, fields.mode & 0o7777, 100, 8, gnu);
  putNumber(block, fields.uid, 108, 8, gnu);
  putNumber(block, fields.gid, 116, 8, gnu);
  putNumber(block, fields.size, 124, 12, gnu);
  putNumber(block, fields.mtime, 136, 12, gnu);
  block.fill(0x20, 148, 156);
  block[156] = fields.type;
  putField(block, fields.linkName, 157, 100);
  putField(block, GNU_MAGIC, 257, 8);
  putField(block, fields.uname, 265, 32);
  putField(block, fields.gname, 297, 32);
  // devmajor, devminor and prefix stay NUL: collect never stores device files.
  const checksum = headerChecksum(block);
  // Six octal digits and a NUL; the eighth byte keeps its space, as in Python and GNU tar.
  // (A checksum is at most 512 * 255, which six octal digits hold.)
  putOctal(block, checksum, 148, 7);
  return block;
}

/** A `././@LongLink` record (header plus padded payload) carrying a long name or target. */
function longRecord(type: TarTypeFlag, value: Uint8Array): Buffer {
  const payload = Buffer.concat([value, Buffer.of(0)]);
  const header = headerBlock(
    {
      name: LONG_LINK_NAME,
      mode: 0,
      uid: 0,
      gid: 0,
      size: payload.length,
      mtime: 0,
      type,
      linkName: EMPTY,
      uname: EMPTY,
      gname: EMPTY,
    },
    false,
  );
  return Buffer.concat([header, payload, Buffer.alloc(paddingAfter(payload.length))]);
}

/**
 * Python's `TarInfo.create_gnu_header`: the blocks that introduce one member: a
 * `././@LongLink` record of type K when the link target exceeds 100 bytes, then one of type
 * L when the name does, then the member header (holding the first 100 bytes of each).
 * Member data, if any, follows these blocks.
 * @param scratch - optional 512-byte buffer for the usual single-block header: the header is
 *   written into it and it is returned (so it stays valid only until the next call with
 *   it). A writer that copies each header out at once saves an allocation per member.
 */
export function encodeMemberHeader(fields: TarHeaderFields, scratch?: Buffer): Buffer {
  if (fields.linkName.length <= NAME_FIELD_LENGTH && fields.name.length <= NAME_FIELD_LENGTH) {
    return headerBlock(fields, true, scratch?.length === BLOCK_SIZE ? scratch : undefined);
  }
  const parts: Buffer[] = [];
  if (fields.linkName.length > NAME_FIELD_LENGTH) {
    parts.push(longRecord(TarType.longLink, fields.linkName));
  }
  if (fields.name.length > NAME_FIELD_LENGTH) {
    parts.push(longRecord(TarType.longName, fields.name));
  }
  parts.push(headerBlock(fields, true));
  return Buffer.concat(parts);
}

/** The member name of an absolute path: its bytes with every leading `/` removed. */
export function memberName(pathBytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < pathBytes.length && pathBytes[start] === 0x2f) start++;
  return pathBytes.subarray(start);
}

/**
 * Python's `int(st_mtime)`: the float `sec + nsec * 1e-9` truncated toward zero. Computing
 * it the same way keeps the rare nanosecond values that round up to the next second equal
 * to what Cedar stores.
 */
export function pythonMtime(seconds: number, nanoseconds: number): number {
  return Math.trunc(seconds + nanoseconds * 1e-9);
}
