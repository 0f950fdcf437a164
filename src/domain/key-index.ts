/**
 * Lookup by key into a file held as raw bytes (a digest pickle, a stat cache), without
 * making a string per key: keys are byte ranges of the file, found through an open-addressing
 * hash table of entry numbers, and a cursor answers first when lookups come in file order
 * (the usual case: a walk lists a tree in the same order as the walk that wrote the file).
 * A few hundred thousand keys cost a few megabytes of typed arrays instead of a Map of
 * strings, and nothing for the garbage collector to trace.
 */

import { encodeFsName } from "./fs-name.js";

const ASCII = /^[^\u0080-\uffff]*$/;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Where the keys of a file are: entry `i` has the bytes `[starts[i], ends[i])`. */
export interface KeyRanges {
  readonly data: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly count: number;
}

/**
 * Entry numbers by key. Among equal keys the last entry wins, as when a Python dict or a Map
 * is filled in file order.
 */
export class KeyIndex {
  readonly #keys: KeyRanges;
  readonly #table: Int32Array;
  readonly #mask: number;
  #next = 0;
  /** Whether some key occurs more than once (the cursor is then not used). */
  readonly hasDuplicates: boolean;

  constructor(keys: KeyRanges) {
    this.#keys = keys;
    let size = 16;
    while (size < keys.count * 2) size *= 2;
    this.#table = new Int32Array(size);
    this.#mask = size - 1;
    let duplicates = false;
    const { data, starts, ends } = keys;
    for (let entry = 0; entry < keys.count; entry++) {
      const start = starts[entry] ?? 0;
      const end = ends[entry] ?? 0;
      let hash = FNV_OFFSET;
      for (let i = start; i < end; i++) hash = Math.imul(hash ^ (data[i] ?? 0), FNV_PRIME);
      let slot = hash & this.#mask;
      for (;;) {
        const held = this.#table[slot] ?? 0;
        if (held === 0) {
          this.#table[slot] = entry + 1;
          break;
        }
        if (this.#sameRange(held - 1, start, end)) {
          this.#table[slot] = entry + 1;
          duplicates = true;
          break;
        }
        slot = (slot + 1) & this.#mask;
      }
    }
    this.hasDuplicates = duplicates;
  }

  /** The entry whose key is these bytes, or -1. */
  findBytes(key: Uint8Array): number {
    const next = this.#next;
    if (!this.hasDuplicates && next < this.#keys.count && this.#equalsBytes(next, key)) {
      this.#next = next + 1;
      return next;
    }
    let hash = FNV_OFFSET;
    for (const byte of key) hash = Math.imul(hash ^ byte, FNV_PRIME);
    for (let slot = hash & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const held = this.#table[slot] ?? 0;
      if (held === 0) return -1;
      if (this.#equalsBytes(held - 1, key)) {
        this.#next = held;
        return held - 1;
      }
    }
  }

  /**
   * The entry whose key is the Latin-1 encoding of `key`, or -1 (always for a `key` with a
   * character above U+00FF, which Latin-1 cannot hold).
   */
  findLatin1(key: string): number {
    const next = this.#next;
    if (!this.hasDuplicates && next < this.#keys.count && this.#equalsLatin1(next, key)) {
      this.#next = next + 1;
      return next;
    }
    let hash = FNV_OFFSET;
    for (let i = 0; i < key.length; i++) {
      const code = key.charCodeAt(i);
      if (code > 0xff) return -1;
      hash = Math.imul(hash ^ code, FNV_PRIME);
    }
    for (let slot = hash & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const held = this.#table[slot] ?? 0;
      if (held === 0) return -1;
      if (this.#equalsLatin1(held - 1, key)) {
        this.#next = held;
        return held - 1;
      }
    }
  }

  /** The entry whose key is {@link encodeFsName}`(name)`, or -1. */
  findFsName(name: string): number {
    return ASCII.test(name) ? this.findLatin1(name) : this.findBytes(encodeFsName(name));
  }

  #sameRange(entry: number, start: number, end: number): boolean {
    const { data, starts, ends } = this.#keys;
    const otherStart = starts[entry] ?? 0;
    if ((ends[entry] ?? 0) - otherStart !== end - start) return false;
    for (let i = 0; i < end - start; i++) {
      if (data[otherStart + i] !== data[start + i]) return false;
    }
    return true;
  }

  #equalsBytes(entry: number, key: Uint8Array): boolean {
    const { data, starts, ends } = this.#keys;
    const start = starts[entry] ?? 0;
    if ((ends[entry] ?? 0) - start !== key.length) return false;
    for (let i = 0; i < key.length; i++) if (data[start + i] !== key[i]) return false;
    return true;
  }

  #equalsLatin1(entry: number, key: string): boolean {
    const { data, starts, ends } = this.#keys;
    const start = starts[entry] ?? 0;
    if ((ends[entry] ?? 0) - start !== key.length) return false;
    for (let i = 0; i < key.length; i++) if (data[start + i] !== key.charCodeAt(i)) return false;
    return true;
  }
}

/** Growable {@link KeyRanges} under construction. */
export class KeyRangesBuilder {
  #starts = new Int32Array(1024);
  #ends = new Int32Array(1024);
  #count = 0;

  /** `expectedCount` (a hint) sizes the storage up front. */
  constructor(expectedCount = 0) {
    if (expectedCount > 1024) {
      this.#starts = new Int32Array(expectedCount);
      this.#ends = new Int32Array(expectedCount);
    }
  }

  add(start: number, end: number): void {
    if (this.#count === this.#starts.length) {
      const starts = new Int32Array(this.#count * 2);
      starts.set(this.#starts);
      this.#starts = starts;
      const ends = new Int32Array(this.#count * 2);
      ends.set(this.#ends);
      this.#ends = ends;
    }
    this.#starts[this.#count] = start;
    this.#ends[this.#count] = end;
    this.#count += 1;
  }

  finish(data: Uint8Array): KeyRanges {
    return { data, starts: this.#starts, ends: this.#ends, count: this.#count };
  }
}
