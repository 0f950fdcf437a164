import type { ActionContext } from "../actions/action-context.js";
import type { ManagedPeer } from "../config/normalize.js";
import { ActionError } from "../errors/cback-error.js";

/**
 * The command line the master runs on a managed peer: `<cback_command> [--full] <action>`
 * (no other switch is forwarded; the client uses its own default configuration).
 */
export function managedRemoteCommand(cbackCommand: string, action: string, full: boolean): string {
  return full ? `${cbackCommand} --full ${action}` : `${cbackCommand} ${action}`;
}

/**
 * The argv Cedar runs for a managed action: always through `su` as the backup user, so that
 * user's ssh keys are used: `su <backup_user> -c "<rsh_command> <user>@<host> '<command>'"`.
 */
export function managedActionArgv(
  backupUser: string,
  peer: ManagedPeer,
  action: string,
  full: boolean,
): readonly string[] {
  const remote = managedRemoteCommand(peer.cbackCommand, action, full);
  const target = `${peer.remoteUser ?? backupUser}@${peer.name ?? ""}`;
  return ["su", backupUser, "-c", `${peer.rshCommand} ${target} '${remote}'`];
}

/**
 * Run one action on one managed peer. Rejects when it cannot run or the remote cback fails;
 * the caller logs that and goes on (a managed failure never changes the exit code).
 */
export async function runManagedAction(
  ctx: ActionContext,
  peer: ManagedPeer,
  action: string,
): Promise<void> {
  const backupUser = ctx.config.options?.backupUser;
  if (backupUser === undefined) {
    throw new ActionError(action, "options/backup_user is not set");
  }
  if (!ctx.isRoot) {
    throw new ActionError(
      action,
      "only root can run a remote shell as another user: run cback as root to manage peers",
    );
  }
  const [program, ...args] = managedActionArgv(backupUser, peer, action, ctx.flags.full);
  await ctx.runner.run({ program: program ?? "su", args }, { signal: ctx.signal });
}
