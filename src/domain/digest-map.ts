/**
 * A compact map of path to SHA-1, for the digest (`.sha`) of one incremental collect item.
 * Digests live side by side in one growing buffer (20 bytes each) and the map holds only the
 * slot number, so a few hundred thousand entries cost little beyond their path strings.
 */

const DIGEST_LENGTH = 20;
const DIGEST_HEX = /^[0-9a-fA-F]{40}$/;

/** Paths to SHA-1 digests, iterated in insertion order; there is no delete. */
export class DigestMap {
  readonly #slots = new Map<string, number>();
  #digests: Buffer;

  /** An empty map; `expectedSize` (a hint) sizes its storage up front. */
  constructor(expectedSize = 0) {
    this.#digests = Buffer.alloc(DIGEST_LENGTH * Math.max(64, expectedSize));
  }

  /** A map holding `entries`, later duplicates overwriting earlier ones. */
  static from(entries: Iterable<readonly [string, Uint8Array | string]>): DigestMap {
    const map = new DigestMap();
    for (const [path, digest] of entries) map.set(path, digest);
    return map;
  }

  /** Number of paths. */
  get size(): number {
    return this.#slots.size;
  }

  /** Whether `path` has a digest. */
  has(path: string): boolean {
    return this.#slots.has(path);
  }

  /** The digest of `path` as 40 lowercase hex digits, or undefined. */
  get(path: string): string | undefined {
    const slot = this.#slots.get(path);
    if (slot === undefined) return undefined;
    const start = slot * DIGEST_LENGTH;
    return this.#digests.toString("hex", start, start + DIGEST_LENGTH);
  }

  /** A copy of the 20-byte digest of `path`, or undefined. */
  getBytes(path: string): Uint8Array | undefined {
    const slot = this.#slots.get(path);
    if (slot === undefined) return undefined;
    const start = slot * DIGEST_LENGTH;
    return new Uint8Array(this.#digests.subarray(start, start + DIGEST_LENGTH));
  }

  /**
   * Whether `path` is present with exactly this digest (20 bytes, or hex in either case).
   * Throws RangeError for a digest of another shape.
   */
  matches(path: string, digest: Uint8Array | string): boolean {
    const slot = this.#slots.get(path);
    if (slot === undefined) return false;
    const bytes = toDigestBytes(digest);
    const start = slot * DIGEST_LENGTH;
    return this.#digests.compare(bytes, 0, DIGEST_LENGTH, start, start + DIGEST_LENGTH) === 0;
  }

  /**
   * Record the digest of `path` (20 bytes, or 40 hex digits in either case). A path already
   * present keeps its position. Throws RangeError for a digest of another shape.
   */
  set(path: string, digest: Uint8Array | string): this {
    checkDigest(digest);
    let slot = this.#slots.get(path);
    if (slot === undefined) {
      slot = this.#slots.size;
      const needed = (slot + 1) * DIGEST_LENGTH;
      if (needed > this.#digests.length) {
        const grown = Buffer.alloc(Math.max(needed, this.#digests.length * 2));
        this.#digests.copy(grown);
        this.#digests = grown;
      }
      this.#slots.set(path, slot);
    }
    if (typeof digest === "string") this.#digests.write(digest, slot * DIGEST_LENGTH, "hex");
    else this.#digests.set(digest, slot * DIGEST_LENGTH);
    return this;
  }

  /** Paths in insertion order. */
  keys(): IterableIterator<string> {
    return this.#slots.keys();
  }

  /** `[path, hex digest]` pairs in insertion order. */
  *entries(): IterableIterator<[string, string]> {
    for (const [path, slot] of this.#slots) {
      const start = slot * DIGEST_LENGTH;
      yield [path, this.#digests.toString("hex", start, start + DIGEST_LENGTH)];
    }
  }

  /** Same as {@link DigestMap.entries}. */
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** Whether both maps hold the same paths with the same digests, in any order. */
  equals(other: DigestMap): boolean {
    if (other.size !== this.size) return false;
    for (const [path, slot] of this.#slots) {
      const otherSlot = other.#slots.get(path);
      if (otherSlot === undefined) return false;
      const start = slot * DIGEST_LENGTH;
      const otherStart = otherSlot * DIGEST_LENGTH;
      const same = this.#digests.compare(
        other.#digests,
        otherStart,
        otherStart + DIGEST_LENGTH,
        start,
        start + DIGEST_LENGTH,
      );
      if (same !== 0) return false;
    }
    return true;
  }
}

function checkDigest(digest: Uint8Array | string): void {
  if (typeof digest === "string") {
    if (!DIGEST_HEX.test(digest)) throw new RangeError(`not a SHA-1 hex digest: "${digest}"`);
  } else if (digest.length !== DIGEST_LENGTH) {
    throw new RangeError(`a SHA-1 digest has 20 bytes, got ${digest.length}`);
  }
}

function toDigestBytes(digest: Uint8Array | string): Uint8Array {
  checkDigest(digest);
  return typeof digest === "string" ? Buffer.from(digest, "hex") : digest;
}
