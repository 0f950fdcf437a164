import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  COLLECT_INDICATOR,
  STAGE_INDICATOR,
  closeConnectionArgv,
  copyAllArgv,
  fetchIndicatorArgv,
  pushStageIndicatorArgv,
  type RemoteCopySpec,
} from "../domain/stage-plan.js";
import type { ToolRunner } from "../exec/tool-runner.js";
import type { Logger } from "../log/logger.js";
import type { Ownership, StagePeer } from "./peer.js";
import {
  createPartialDir,
  discardPartialDir,
  listRegularFiles,
  publishPartialDir,
  syncFilesWhileCopying,
} from "./staging-area.js";

/** What a remote peer needs. */
export interface RemotePeerOptions {
  /** The peer's name, which is also the host the copy command connects to. */
  readonly name: string;
  /** Absolute path of the collect directory on the peer. */
  readonly collectDir: string;
  /** Local directory for the transient copies of `cback.collect` and `cback.stage`. */
  readonly workingDir: string;
  /** Login on the peer. */
  readonly remoteUser: string;
  /** The rcp-compatible command string, e.g. `/usr/bin/scp -B -q -C`. */
  readonly rcpCommand: string;
  /** When running as root: the local backup user every copy runs as (`su <user> -c`). */
  readonly localUser: string | undefined;
  /**
   * Beyond Cedar: share one ssh connection across this peer's copies (only for OpenSSH
   * `scp`, see `sharesConnection`). `owner` is the local backup user's ids when the copies
   * run through `su`, who must be able to create the control socket.
   */
  readonly shareConnection?: { readonly owner: Ownership | undefined };
  readonly runner: ToolRunner;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

/** How many of a failed copy command's last output lines its error keeps. */
const OUTPUT_TAIL_LINES = 5;

/** Longest control socket path we use (a Unix socket path holds 108 bytes; ssh adds ~17). */
const MAX_CONTROL_PATH = 80;

/**
 * A private directory for the control socket (mode 0700, owned by the user the copies run
 * as), or undefined when its path would be too long for a socket.
 */
function makeControlDir(owner: Ownership | undefined): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), "cback-ssh-"));
  if (join(dir, "master").length > MAX_CONTROL_PATH) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

/** An argv as one readable line: arguments with blanks or quotes are JSON-quoted. */
function shownCommand(argv: readonly string[]): string {
  return argv.map((arg) => (/[\s"']/.test(arg) ? JSON.stringify(arg) : arg)).join(" ");
}

/**
 * A peer reached with an rcp-compatible command (Cedar's `RemotePeer`), with Cedar's exact
 * argv (domain/stage-plan.ts). Only the non-dot files of the collect directory are staged
 * (the remote shell expands `*`), and a re-stage on the same day fails because no new file
 * appears.
 */
export function createRemotePeer(options: RemotePeerOptions): StagePeer {
  const cedarSpec: RemoteCopySpec = {
    host: options.name,
    remoteUser: options.remoteUser,
    rcpCommand: options.rcpCommand,
    localUser: options.localUser,
  };
  // The control directory is made by the first copy, so a peer never started leaves nothing.
  let controlDir: string | undefined;
  let controlDirTried = false;
  const currentSpec = (): RemoteCopySpec => {
    if (!controlDirTried && options.shareConnection !== undefined) {
      controlDirTried = true;
      controlDir = makeControlDir(options.shareConnection.owner);
    }
    if (controlDir === undefined) return cedarSpec;
    return { ...cedarSpec, controlPath: join(controlDir, "master") };
  };
  const { collectDir, workingDir, runner, signal } = options;

  // A failure names the command and what it said (e.g. ssh's "Connection refused"), not only
  // Cedar's "Error (n) copying ..." sentence, so a connection problem is diagnosable from the log.
  const copy = async (
    argv: readonly string[],
    failure: (status: number) => string,
    copySignal: AbortSignal = signal,
  ) => {
    const [program = "", ...args] = argv;
    const { status, lines } = await runner.run(
      { program, args },
      { signal: copySignal, allowFailure: true },
    );
    if (status !== 0) {
      const said = lines.filter((line) => line.trim() !== "").slice(-OUTPUT_TAIL_LINES);
      const output = said.length === 0 ? "no output" : `output: ${said.join(" | ")}`;
      throw new Error(`${failure(status)} Command: ${shownCommand(argv)}; ${output}`);
    }
  };
  const asUser = cedarSpec.localUser === undefined ? "" : ` as local user [${cedarSpec.localUser}]`;

  const isReady = async (): Promise<boolean> => {
    const target = join(workingDir, COLLECT_INDICATOR);
    rmSync(target, { force: true });
    try {
      const source = join(collectDir, COLLECT_INDICATOR);
      await copy(
        fetchIndicatorArgv(currentSpec(), collectDir, workingDir),
        (status) => `Error (${status}) copying [${source}] from remote host${asUser}.`,
      );
      if (!existsSync(target)) throw new Error("Apparently unable to copy file from remote host.");
      return true;
    } catch (error) {
      if (signal.aborted) throw error;
      options.logger.info(
        `Failed looking for collect indicator on peer [${options.name}]: ${(error as Error).message}`,
      );
      return false;
    } finally {
      rmSync(target, { force: true });
    }
  };

  /**
   * Copy the collect directory with `spec` into a partial directory beside `targetDir`, then
   * publish it there. With `ready`, the copy may run before the peer is known to be ready:
   * it is published only if `ready` resolves true, and otherwise (even if the copy failed,
   * or was stopped through `copySignal`) discarded, resolving undefined.
   */
  const copyAndPublish = async (
    targetDir: string,
    ownership: Ownership | undefined,
    spec: RemoteCopySpec,
    copySignal: AbortSignal,
    ready?: Promise<boolean>,
  ): Promise<number | undefined> => {
    const before = new Set(listRegularFiles(targetDir));
    const partial = createPartialDir(targetDir, ownership);
    let copied: string[];
    try {
      // The files scp has finished are fsynced while it copies the next ones.
      const synced = await syncFilesWhileCopying(
        partial,
        copy(
          copyAllArgv(spec, collectDir, partial),
          (status) => `Error (${status}) copying files from remote host${asUser}.`,
          copySignal,
        ),
      );
      if (ready !== undefined && !(await ready)) {
        discardPartialDir(partial);
        return undefined;
      }
      if (before.size === 0 && listRegularFiles(partial).length === 0) {
        throw new Error("Did not copy any files from remote peer.");
      }
      copied = await publishPartialDir(partial, targetDir, synced);
    } catch (error) {
      discardPartialDir(partial);
      if (ready !== undefined && !signal.aborted && !(await ready)) return undefined;
      throw error;
    }
    const added = copied.filter((file) => !before.has(file));
    if (added.length === 0) {
      throw new Error("Apparently did not copy any new files from remote peer.");
    }
    if (ownership !== undefined) {
      for (const file of added) chownSync(join(targetDir, file), ownership.uid, ownership.gid);
    }
    return added.length;
  };

  return {
    name: options.name,

    isReady,

    async stage(targetDir, ownership) {
      return (await copyAndPublish(targetDir, ownership, currentSpec(), signal)) ?? 0;
    },

    // Beyond Cedar, with a shared connection: the copy starts beside the readiness check,
    // on a connection of its own (Cedar's exact copy argv), so its login overlaps the
    // check's instead of following it. (A copy through the shared connection's multiplexer
    // measured about 7% slower than a direct one.) If the peer is not ready, the copy is
    // stopped and nothing is published. Through `su` only with a runner that stops whole
    // process trees: su runs the command in a session of its own and passes SIGTERM to the
    // shell only, so the scp would outlive a stop of su alone.
    ...(options.shareConnection === undefined ||
    (options.localUser !== undefined && runner.stopsProcessTrees !== true)
      ? {}
      : {
          async stageWhenReady(targetDir: string, ownership: Ownership | undefined) {
            const speculative = new AbortController();
            const stop = (): void => {
              speculative.abort();
            };
            signal.addEventListener("abort", stop, { once: true });
            const ready = isReady().then(
              (isIt) => {
                if (!isIt) stop();
                return isIt;
              },
              (error: unknown) => {
                stop();
                throw error;
              },
            );
            // Awaited by copyAndPublish; never an unhandled rejection meanwhile.
            ready.catch(() => undefined);
            try {
              return await copyAndPublish(
                targetDir,
                ownership,
                cedarSpec,
                speculative.signal,
                ready,
              );
            } finally {
              signal.removeEventListener("abort", stop);
              // The readiness check ends before this returns, whatever the copy did.
              await ready.catch(() => undefined);
            }
          },
        }),

    async writeStageIndicator() {
      const source = join(workingDir, STAGE_INDICATOR);
      try {
        if (!existsSync(source)) writeFileSync(source, "");
        await copy(
          pushStageIndicatorArgv(currentSpec(), workingDir, collectDir),
          (status) => `Error (${status}) copying [${source}] to remote host${asUser}.`,
        );
      } finally {
        rmSync(source, { force: true });
      }
    },

    async close() {
      if (controlDir === undefined) return;
      const spec = currentSpec();
      const argv = closeConnectionArgv(spec);
      try {
        if (argv !== undefined && spec.controlPath !== undefined && existsSync(spec.controlPath)) {
          const [program = "", ...args] = argv;
          const { status, lines } = await runner.run({ program, args }, { allowFailure: true });
          if (status !== 0) {
            options.logger.debug(
              `Could not close the shared ssh connection to [${options.name}]: ${lines.join(" | ")}`,
            );
          }
        }
      } finally {
        rmSync(controlDir, { recursive: true, force: true });
      }
    },
  };
}
