/**
 * peers/ holds the backup peers the master stages from: a local peer (a directory on this
 * host) and a remote peer (reached with an rcp-compatible command). Both take plain options,
 * never Config, so the library API can use them directly.
 */

/** Numeric owner applied to staged files when running as root. */
export interface Ownership {
  readonly uid: number;
  readonly gid: number;
}

/** One peer of the backup pool, as the stage action sees it (Cedar's "backup peer" interface). */
export interface StagePeer {
  readonly name: string;
  /** Whether the peer's collect directory holds `cback.collect` (its collect is complete). */
  isReady(): Promise<boolean>;
  /**
   * Copy the peer's collect directory into `targetDir` (which exists), chowning the copied
   * files to `ownership` when given. Files appear in `targetDir` only once the whole copy
   * succeeded (see staging-area.ts).
   * @returns the number of files staged
   * @throws Error with Cedar's message when nothing (new) was copied or a copy failed
   */
  stage(targetDir: string, ownership: Ownership | undefined): Promise<number>;
  /**
   * Beyond Cedar, optional: {@link isReady} and {@link stage} in one step, which may start
   * the copy before the peer is known to be ready (nothing is published unless it is).
   * @returns the number of files staged, or undefined when the peer was not ready
   * @throws as {@link stage}, when the peer was ready but the copy failed
   */
  stageWhenReady?(targetDir: string, ownership: Ownership | undefined): Promise<number | undefined>;
  /** Leave `cback.stage` in the peer's collect directory. */
  writeStageIndicator(): Promise<void>;
  /** Release what the peer holds open (a shared ssh connection); called once, at the end. */
  close?(): Promise<void>;
}
