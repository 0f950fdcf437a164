/**
 * The `stage` action (cedar-core.md §3.3): copy each peer's collect directory into
 * `staging_dir/YYYY/MM/DD/<peer>` on the master, then write the daily `cback.stage`. As in
 * Cedar one failed peer never stops the others and the daily indicator is always written;
 * unlike Cedar (which exits 0) the action then fails naming every peer that failed and was
 * not ignored, so that a missing peer changes the exit code and not only the log.
 *
 * Beyond Cedar, `<stage><concurrency>` stages up to N peers at once. Each peer then logs with
 * a `[<peer>] ` prefix and each remote peer gets its own transient working directory (its
 * `cback.collect`/`cback.stage` copies would otherwise collide); the outcome (staged files,
 * indicators, failures and their order) is the same as with one peer at a time.
 */
import { chownSync, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  effectiveIgnoreFailures,
  effectiveRcpCommand,
  effectiveRemoteUser,
  stagePeers,
} from "../config/normalize.js";
import type { LocalPeerConfig, OptionsConfig, RemotePeerConfig } from "../config/types.js";
import { isStartOfWeek } from "../domain/collect-plan.js";
import {
  STAGE_INDICATOR,
  dailyStagingDir,
  ignoresFailures,
  sharesConnection,
} from "../domain/stage-plan.js";
import { ActionError } from "../errors/cback-error.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { lookupOwnerIds } from "../log/account-names.js";
import { createPrefixedLogger, type Logger } from "../log/logger.js";
import { createLocalPeer } from "../peers/local-peer.js";
import type { Ownership, StagePeer } from "../peers/peer.js";
import { createRemotePeer } from "../peers/remote-peer.js";
import type { ActionContext, ActionHandler } from "./action-context.js";

interface PlannedPeer {
  readonly peer: StagePeer;
  readonly ignoreFailures: boolean;
  /** Where this peer logs (prefixed with its name when peers are staged concurrently). */
  readonly logger: Logger;
  /** A working directory of its own (concurrent remote peers only): made, then removed. */
  readonly ownWorkingDir?: string;
}

function fail(message: string): never {
  throw new ActionError("stage", message);
}

/** Read through a call: the signal changes while the action awaits. */
function interrupted(ctx: ActionContext): boolean {
  return ctx.signal.aborted;
}

/** Cedar's peer constructor checks: a non-empty name and an absolute collect directory. */
function checkedPeer(config: LocalPeerConfig | RemotePeerConfig): {
  name: string;
  collectDir: string;
} {
  const { name, collectDir } = config;
  if (name === undefined || name === "") fail("Peer name must be a non-empty string.");
  if (collectDir?.startsWith("/") !== true) fail("Collect directory must be an absolute path.");
  return { name, collectDir };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The stage action. */
export const stageAction: ActionHandler = async (ctx) => {
  const { options, stage } = ctx.config;
  if (options === undefined || stage === undefined) {
    fail("Stage configuration is not properly filled in.");
  }
  if (stage.targetDir === undefined) fail("stage/staging_dir is not set.");
  const now = ctx.clock.now();
  const dailyDir = dailyStagingDir(stage.targetDir, now);
  const peers = buildPeers(ctx, options, now);
  const chownQuietly = quietOwnership(ctx, options);

  // Cedar's _createStagingDirs: the daily directory, then one directory per peer up front.
  if (isDirectory(dailyDir)) {
    ctx.logger.warn(`Staging directory [${dailyDir}] already existed.`);
  } else {
    try {
      mkdirSync(dailyDir, { recursive: true });
    } catch (error) {
      fail(`Unable to create staging directory: ${(error as Error).message}`);
    }
    for (const path of [dailyDir, join(dailyDir, ".."), join(dailyDir, "..", "..")]) {
      chownQuietly(path);
    }
  }
  for (const { peer } of peers) {
    const peerDir = join(dailyDir, peer.name);
    if (isDirectory(peerDir)) {
      ctx.logger.warn(`Peer staging directory [${peerDir}] already existed.`);
      continue;
    }
    try {
      mkdirSync(peerDir, { recursive: true });
    } catch (error) {
      fail(`Unable to create staging directory: ${(error as Error).message}`);
    }
    chownQuietly(peerDir);
  }

  // As in Cedar the backup user is looked up once a peer is ready; failing is fatal.
  let ownership: Ownership | undefined;
  const ownershipForStaging = (): Ownership | undefined => {
    if (ctx.isRoot && ownership === undefined) ownership = stagingOwnership(options);
    return ownership;
  };
  const outcomes = await forEachLimited(peers, stage.concurrency ?? 1, ctx.signal, (planned) =>
    stageOnePeer(ctx, planned, dailyDir, ownershipForStaging, chownQuietly),
  );
  const failed = peers
    .filter((_, index) => outcomes[index] === "failed")
    .map(({ peer }) => peer.name);
  if (interrupted(ctx)) return;

  const indicator = join(dailyDir, STAGE_INDICATOR);
  await writeFileAtomic(indicator, "");
  chownQuietly(indicator);
  if (failed.length > 0) {
    fail(`Staging failed for peer(s): ${failed.map((name) => `[${name}]`).join(", ")}.`);
  }
  ctx.logger.info("Executed the 'stage' action successfully.");
};

type PeerOutcome = "staged" | "failed" | "skipped";

/**
 * Stage one peer: ready check, copy, peer indicator. Resolves with the outcome; rejects only
 * when the run is interrupted or the backup user cannot be found (fatal, as in Cedar).
 */
async function stageOnePeer(
  ctx: ActionContext,
  { peer, ignoreFailures, logger, ownWorkingDir }: PlannedPeer,
  dailyDir: string,
  ownershipForStaging: () => Ownership | undefined,
  chownQuietly: (path: string) => void,
): Promise<PeerOutcome> {
  logger.info(`Staging peer [${peer.name}].`);
  if (ownWorkingDir !== undefined) {
    mkdirSync(ownWorkingDir, { recursive: true });
    // The su-wrapped copies run as the backup user and write here.
    chownQuietly(ownWorkingDir);
  }
  const notReady = (): PeerOutcome => {
    const message = `Peer [${peer.name}] was not ready to be staged.`;
    if (ignoreFailures) {
      logger.info(message);
      return "skipped";
    }
    logger.error(message);
    return "failed";
  };
  const targetDir = join(dailyDir, peer.name);
  try {
    // A peer that can check and copy in one step (stageWhenReady) is asked only once.
    if (peer.stageWhenReady === undefined && !(await peer.isReady())) return notReady();
    const ownership = ownershipForStaging();
    try {
      const count =
        peer.stageWhenReady === undefined
          ? await peer.stage(targetDir, ownership)
          : await peer.stageWhenReady(targetDir, ownership);
      if (count === undefined) return notReady();
      logger.info(`Staged ${count} files for peer [${peer.name}].`);
      await peer.writeStageIndicator();
      return "staged";
    } catch (error) {
      if (interrupted(ctx)) throw error;
      logger.error(`Error staging [${peer.name}]: ${(error as Error).message}`);
      return "failed";
    }
  } finally {
    await peer.close?.();
    if (ownWorkingDir !== undefined) rmSync(ownWorkingDir, { recursive: true, force: true });
  }
}

/**
 * Run `work` on each item with at most `limit` in flight, starting items in list order, and
 * return the results in list order. With limit 1 this is a plain sequential loop. Items not
 * started when `signal` aborts get `"skipped"`. After the first rejection no new item starts;
 * the others finish, then the first rejection is rethrown.
 */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal,
  work: (item: T) => Promise<PeerOutcome>,
): Promise<PeerOutcome[]> {
  const results: PeerOutcome[] = items.map(() => "skipped");
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && failure === undefined && !signal.aborted) {
      const index = next++;
      const item = items[index] as T;
      try {
        results[index] = await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}

/** The peers to stage, local ones first, each with its ignore-failures decision for today. */
function buildPeers(ctx: ActionContext, options: OptionsConfig, now: Date): readonly PlannedPeer[] {
  const { localPeers, remotePeers } = stagePeers(ctx.config);
  const concurrent = (ctx.config.stage?.concurrency ?? 1) > 1;
  const loggerFor = (name: string) =>
    concurrent ? createPrefixedLogger(ctx.logger, `[${name}] `) : ctx.logger;
  const startOfWeek = isStartOfWeek(now, options.startingDay ?? "monday");
  const ignore = (peer: LocalPeerConfig | RemotePeerConfig) =>
    ignoresFailures(effectiveIgnoreFailures(peer), ctx.flags.full, startOfWeek);
  const planned: PlannedPeer[] = [];
  for (const config of localPeers) {
    const checked = checkedPeer(config);
    planned.push({
      peer: createLocalPeer(checked),
      ignoreFailures: ignore(config),
      logger: loggerFor(checked.name),
    });
  }
  for (const config of remotePeers) {
    const { name, collectDir } = checkedPeer(config);
    const remoteUser = effectiveRemoteUser(config, options);
    if (remoteUser === undefined || remoteUser === "") {
      fail("Peer remote user must be a non-empty string.");
    }
    if (options.workingDir === undefined) fail("options/working_dir is not set.");
    const logger = loggerFor(name);
    const rcpCommand = effectiveRcpCommand(config, options);
    const localUser = ctx.isRoot ? options.backupUser : undefined;
    const ownWorkingDir = concurrent
      ? join(options.workingDir, `cback-stage-${encodeURIComponent(name)}`)
      : undefined;
    planned.push({
      ...(ownWorkingDir === undefined ? {} : { ownWorkingDir }),
      logger,
      peer: createRemotePeer({
        name,
        collectDir,
        workingDir: ownWorkingDir ?? options.workingDir,
        remoteUser,
        rcpCommand,
        localUser,
        ...(shareConnection(ctx, options, rcpCommand, localUser) ?? {}),
        runner: ctx.runner,
        logger,
        signal: ctx.signal,
      }),
      ignoreFailures: ignore(config),
    });
  }
  return planned;
}

/**
 * Whether a remote peer's copies share one ssh connection (beyond Cedar): unless
 * `<stage><share_connection>N`, when the rcp command is OpenSSH `scp` and, for `su` copies,
 * the backup user (who must own the control socket) is known.
 */
function shareConnection(
  ctx: ActionContext,
  options: OptionsConfig,
  rcpCommand: string,
  localUser: string | undefined,
): { shareConnection: { owner: Ownership | undefined } } | undefined {
  if (ctx.config.stage?.shareConnection === false || !sharesConnection(rcpCommand)) {
    return undefined;
  }
  if (localUser === undefined) return { shareConnection: { owner: undefined } };
  const owner = lookupOwnerIds(localUser, options.backupGroup ?? "");
  return owner === undefined ? undefined : { shareConnection: { owner } };
}

/** Owner of staged files when root: the backup user and group, which must exist. */
function stagingOwnership(options: OptionsConfig): Ownership {
  const user = options.backupUser ?? "";
  const group = options.backupGroup ?? "";
  const ids = lookupOwnerIds(user, group);
  if (ids === undefined) fail(`Unable to find user [${user}] or group [${group}].`);
  return ids;
}

/**
 * Cedar's `changeOwnership` for directories and indicators: only as root, and a failure
 * (unknown user, chown error) is logged at ERROR but not fatal.
 */
function quietOwnership(ctx: ActionContext, options: OptionsConfig): (path: string) => void {
  if (!ctx.isRoot) return () => undefined;
  const user = options.backupUser ?? "";
  const group = options.backupGroup ?? "";
  const ids = lookupOwnerIds(user, group);
  return (path) => {
    if (ids === undefined) {
      ctx.logger.error(
        `Error changing ownership of [${path}]: unknown user [${user}] or group [${group}].`,
      );
      return;
    }
    try {
      if (existsSync(path)) chownSync(path, ids.uid, ids.gid);
    } catch (error) {
      ctx.logger.error(`Error changing ownership of [${path}]: ${(error as Error).message}`);
    }
  };
}
