/**
 * A helper thread that lists directories (and lstats their files) ahead of a walk, so that on
 * a two-core machine the system calls of the next directories run while the walk deals with
 * the current one. The walk stays the judge of what is selected: it takes a listing only for
 * a directory it asked for, and lists by itself anything else, or when the helper fails.
 *
 * The helper works depth-first over the directories it is asked for (the latest request
 * first, as the walk will visit them), keeps at most a few listings ahead, and answers a
 * directory the walk is waiting for before anything else.
 */
import {
  receiveMessageOnPort,
  MessageChannel,
  Worker,
  type MessagePort,
} from "node:worker_threads";

/** Dirent kinds, as numbers (the helper and the walk agree on these). */
export const DirentKind = {
  unknown: 0,
  file: 1,
  directory: 2,
  symbolicLink: 3,
  fifo: 4,
  socket: 5,
  characterDevice: 6,
  blockDevice: 7,
} as const;

/** One directory as the helper found it. */
export interface DirListing {
  readonly count: number;
  /** The entries' names, one after another; entry `i` ends at `ends[i]`. */
  readonly names: Buffer;
  readonly ends: Int32Array;
  /** {@link DirentKind} of each entry. */
  readonly kinds: Uint8Array;
  /**
   * lstat of each regular file: mode, uid, gid, size, dev, ino, nlink, mtimeMs, ctimeMs
   * (9 numbers an entry), NaN first when not taken (not a file, or it failed).
   */
  readonly stats: Float64Array;
  /** Set when listing failed after `count` entries: the error's code (or message). */
  readonly error: string | undefined;
}

/** Numbers per entry in {@link DirListing.stats}. */
export const STAT_FIELDS = 9;

const PRODUCED = 0;
const RELEASED = 1;
const EPOCH = 2;
const DEMAND = 3;
/** Set by either side while it sleeps, so the other wakes it only then (a wake is a syscall). */
const HELPER_ASLEEP = 4;
const WALK_ASLEEP = 5;
/** Set by the helper when it fails: the walk then lists by itself at once. */
const HELPER_FAILED = 6;
const SHARED_SLOTS = 7;
/** Listings the helper may hold ahead of the walk. */
const AHEAD = 8;
/**
 * One regular file in this many is left for the walk to lstat: the helper lists and lstats,
 * the walk compares, and this share balances the two threads on two cores.
 */
export const SHARE_OF_WALK = 3;
/** Young generation of the helper thread, in MiB (V8's default grows to 32). */
const HELPER_YOUNG_MB = 2;
/** How long the walk waits for one listing before it lists by itself, for good. */
const PATIENCE_MS = 60_000;

interface Reply {
  readonly id: number;
  readonly listing: DirListing;
}

/** See the module comment. Not reentrant; one per walk. */
export class WalkPrefetcher {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #shared: Int32Array;
  readonly #pending = new Map<string, number>();
  readonly #received = new Map<number, DirListing>();
  /** Listings discarded before they arrived: dropped when they do. */
  readonly #abandoned = new Set<number>();
  #nextId = 1;
  #broken = false;

  private constructor(worker: Worker, port: MessagePort, shared: Int32Array) {
    this.#worker = worker;
    this.#port = port;
    this.#shared = shared;
  }

  /** A running helper, or undefined when threads cannot be started. */
  static start(): WalkPrefetcher | undefined {
    try {
      const shared = new Int32Array(
        new SharedArrayBuffer(SHARED_SLOTS * Int32Array.BYTES_PER_ELEMENT),
      );
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(HELPER_SOURCE, {
        eval: true,
        execArgv: [],
        workerData: { port: port2, shared: shared.buffer, ahead: AHEAD },
        transferList: [port2],
        // It holds a few listings at a time: a small young generation keeps its memory small.
        resourceLimits: { maxYoungGenerationSizeMb: HELPER_YOUNG_MB },
      });
      worker.unref();
      port1.unref();
      // A helper that dies leaves the walk to list by itself (after its patience runs out).
      worker.on("error", () => undefined);
      return new WalkPrefetcher(worker, port1, shared);
    } catch {
      return undefined;
    }
  }

  /** Ask for these directories (`path` as the walk names it, `bytes` as the disk does), in visiting order. */
  request(
    directories: readonly { readonly path: string; readonly bytes: string | Buffer }[],
  ): void {
    if (this.#broken || directories.length === 0) return;
    const dirs: [number, string | Buffer][] = [];
    for (const { path, bytes } of directories) {
      if (this.#pending.has(path)) continue;
      const id = this.#nextId++;
      this.#pending.set(path, id);
      dirs.push([id, bytes]);
    }
    this.#port.postMessage({ dirs });
    this.#wake();
  }

  /**
   * The listing of `path`, waiting for it if needed; undefined when it was not asked for (or
   * the helper failed): the walk then lists it by itself.
   */
  take(path: string): DirListing | undefined {
    const id = this.#pending.get(path);
    if (id === undefined) return undefined;
    this.#pending.delete(path);
    let listing = this.#received.get(id);
    if (listing === undefined && !this.#broken) {
      Atomics.store(this.#shared, DEMAND, id);
      this.#wake();
      for (;;) {
        const seen = Atomics.load(this.#shared, PRODUCED);
        this.#drain();
        listing = this.#received.get(id);
        if (listing !== undefined) break;
        if (Atomics.load(this.#shared, HELPER_FAILED) === 1) {
          this.#broken = true;
          break;
        }
        Atomics.store(this.#shared, WALK_ASLEEP, 1);
        const woken = Atomics.wait(this.#shared, PRODUCED, seen, PATIENCE_MS);
        Atomics.store(this.#shared, WALK_ASLEEP, 0);
        if (woken === "timed-out") {
          this.#broken = true;
          break;
        }
      }
      Atomics.store(this.#shared, DEMAND, 0);
    }
    this.#received.delete(id);
    this.#release();
    return listing;
  }

  /** The walk will not visit `path` after all (excluded): forget its listing. */
  discard(path: string): void {
    const id = this.#pending.get(path);
    if (id === undefined) return;
    this.#pending.delete(path);
    this.#drain();
    if (!this.#received.delete(id)) this.#abandoned.add(id);
    this.#release();
  }

  /** Stop the helper. */
  close(): void {
    this.#broken = true;
    this.#port.close();
    void this.#worker.terminate();
  }

  #drain(): void {
    for (let message = receiveMessageOnPort(this.#port); message !== undefined;) {
      const { id, listing } = message.message as Reply;
      message = receiveMessageOnPort(this.#port);
      if (this.#abandoned.delete(id)) continue;
      // Structured cloning delivers a Buffer as a plain Uint8Array.
      const { names } = listing;
      const bytes = Buffer.from(names.buffer, names.byteOffset, names.byteLength);
      this.#received.set(id, { ...listing, names: bytes });
    }
  }

  #release(): void {
    Atomics.add(this.#shared, RELEASED, 1);
    this.#wake();
  }

  #wake(): void {
    Atomics.add(this.#shared, EPOCH, 1);
    if (Atomics.load(this.#shared, HELPER_ASLEEP) === 1) Atomics.notify(this.#shared, EPOCH);
  }
}

/**
 * The helper thread (plain JavaScript: it is evaluated, not built). Errors are reported as the
 * walk's errorCode() would word them.
 */
const HELPER_SOURCE = `(async () => {
  const { receiveMessageOnPort, workerData } = await import("node:worker_threads");
  const { opendirSync, lstatSync } = await import("node:fs");
  const { port, ahead } = workerData;
  const shared = new Int32Array(workerData.shared);
  const stack = [];
  let produced = 0;
  const kindOf = (d) =>
    d.isFile() ? 1 : d.isDirectory() ? 2 : d.isSymbolicLink() ? 3 : d.isFIFO() ? 4 :
    d.isSocket() ? 5 : d.isCharacterDevice() ? 6 : d.isBlockDevice() ? 7 : 0;
  const codeOf = (e) => (e instanceof Error ? ("code" in e ? String(e.code) : e.message) : String(e));
  const list = (bytes) => {
    const names = [];
    const kinds = [];
    let error;
    try {
      const handle = opendirSync(bytes, { encoding: "buffer", bufferSize: 128 });
      try {
        for (let d = handle.readSync(); d !== null; d = handle.readSync()) {
          names.push(d.name);
          kinds.push(kindOf(d));
        }
      } finally {
        handle.closeSync();
      }
    } catch (e) {
      error = codeOf(e);
    }
    const count = names.length;
    const dir = typeof bytes === "string" ? Buffer.from(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const prefix = dir.length > 0 && dir[dir.length - 1] === 0x2f ? dir : Buffer.concat([dir, Buffer.of(0x2f)]);
    // The same bytes as a string when they are ASCII (cheaper to extend than a Buffer).
    const text = prefix.every((b) => b < 0x80) ? prefix.toString("latin1") : undefined;
    const stats = new Float64Array(count * ${STAT_FIELDS}).fill(NaN);
    const ends = new Int32Array(count);
    let length = 0;
    for (let i = 0; i < count; i++) {
      const name = names[i];
      length += name.length;
      ends[i] = length;
      if (kinds[i] !== 1 || i % ${SHARE_OF_WALK} === ${SHARE_OF_WALK} - 1) continue;
      try {
        const s = lstatSync(text !== undefined && name.every((b) => b < 0x80) ? text + name.toString("latin1") : Buffer.concat([prefix, name]));
        const at = i * ${STAT_FIELDS};
        stats[at] = s.mode;
        stats[at + 1] = s.uid;
        stats[at + 2] = s.gid;
        stats[at + 3] = s.size;
        stats[at + 4] = s.dev;
        stats[at + 5] = s.ino;
        stats[at + 6] = s.nlink;
        stats[at + 7] = s.mtimeMs;
        stats[at + 8] = s.ctimeMs;
      } catch {
        // the walk takes it again and reports what it finds
      }
    }
    return { count, names: Buffer.concat(names, length), ends, kinds: Uint8Array.from(kinds), stats, error };
  };
  const accept = (message) => {
    for (let i = message.dirs.length - 1; i >= 0; i--) stack.push(message.dirs[i]);
  };
  const pump = () => {
    for (;;) {
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) accept(m.message);
      if (stack.length === 0) return;
      const epoch = Atomics.load(shared, ${EPOCH});
      const wanted = Atomics.load(shared, ${DEMAND});
      let at = wanted === 0 ? -1 : stack.findLastIndex((item) => item[0] === wanted);
      if (at < 0 && produced - Atomics.load(shared, ${RELEASED}) < ahead) at = stack.length - 1;
      if (at < 0) {
        Atomics.store(shared, ${HELPER_ASLEEP}, 1);
        Atomics.wait(shared, ${EPOCH}, epoch);
        Atomics.store(shared, ${HELPER_ASLEEP}, 0);
        continue;
      }
      const [id, bytes] = stack.splice(at, 1)[0];
      port.postMessage({ id, listing: list(bytes) });
      produced++;
      Atomics.store(shared, ${PRODUCED}, produced);
      if (Atomics.load(shared, ${WALK_ASLEEP}) === 1) Atomics.notify(shared, ${PRODUCED});
    }
  };
  port.on("message", (message) => {
    try {
      accept(message);
      pump();
    } catch (error) {
      Atomics.store(shared, ${HELPER_FAILED}, 1);
      Atomics.add(shared, ${PRODUCED}, 1);
      Atomics.notify(shared, ${PRODUCED});
      throw error;
    }
  });
})();
`;
