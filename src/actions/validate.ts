/**
 * The `validate` action: the configuration's own problems (those that do not stop a run,
 * such as an extension's broken section) plus the environment: directories, users, devices
 * and external programs. Every finding is logged; like Cedar, the action itself succeeds
 * (exit 0) whatever it finds, and ends with "Configuration is valid." or "... not valid.".
 */
import type { ConfigIssue } from "../errors/cback-error.js";
import { formatConfigIssue } from "../errors/cback-error.js";
import {
  directoryProblem,
  fileProblem,
  groupExists,
  isDeviceMounted,
  resolveProgram,
  userExists,
} from "../fs/access-checks.js";
import type { ActionContext, ActionHandler } from "./action-context.js";

/** An external program a configured action will run, and which element makes it needed. */
export interface RequiredProgram {
  readonly program: string;
  readonly neededBy: string;
}

/** What the validate action checks besides the environment of the core sections. */
export interface ValidateInput {
  /** Problems found while loading that did not stop the run (warnings, extension sections). */
  readonly configFindings: readonly ConfigIssue[];
  /** Programs the configured actions and extensions will run. */
  readonly programs: readonly RequiredProgram[];
  /** Program overrides (`<options><override>`), command -> path. */
  readonly overrides: ReadonlyMap<string, string>;
}

/** One problem the validate action found. */
export interface ValidateFinding {
  readonly severity: "error" | "warning";
  readonly message: string;
}

async function lookupName(
  ctx: ActionContext,
  database: "passwd" | "group",
  name: string,
): Promise<boolean> {
  const result = await ctx.runner.run(
    { program: "getent", args: [database, name] },
    { allowFailure: true, quiet: true, signal: ctx.signal },
  );
  if (result.status === 0) return true;
  if (result.status === 256) return database === "passwd" ? userExists(name) : groupExists(name);
  return false;
}

/** Collect every finding for the configuration of `ctx` (does not log). */
export async function validateConfiguration(
  ctx: ActionContext,
  input: ValidateInput,
): Promise<ValidateFinding[]> {
  const findings: ValidateFinding[] = input.configFindings.map((issue) => ({
    severity: issue.severity,
    message: formatConfigIssue(issue),
  }));
  const error = (message: string) => findings.push({ severity: "error", message });
  const dir = async (element: string, path: string | undefined, need: "read" | "write") => {
    if (path === undefined) return;
    const problem = await directoryProblem(path, need);
    if (problem !== undefined) error(`${element}: directory "${path}" ${problem}`);
  };
  const { config } = ctx;
  if (config.reference === undefined) {
    error("the <reference> section is missing: add one describing this configuration");
  }
  const options = config.options;
  if (options === undefined) {
    error("the <options> section is missing");
  } else {
    await dir("options/working_dir", options.workingDir, "write");
    if (
      options.backupUser !== undefined &&
      !(await lookupName(ctx, "passwd", options.backupUser))
    ) {
      error(`options/backup_user: user "${options.backupUser}" does not exist on this host`);
    }
    if (
      options.backupGroup !== undefined &&
      !(await lookupName(ctx, "group", options.backupGroup))
    ) {
      error(`options/backup_group: group "${options.backupGroup}" does not exist on this host`);
    }
  }
  if (config.collect !== undefined) {
    await dir("collect/collect_dir", config.collect.targetDir, "write");
    for (const [i, item] of (config.collect.collectDirs ?? []).entries()) {
      await dir(`collect/dir[${i + 1}]/abs_path`, item.absPath, "read");
    }
    for (const [i, item] of (config.collect.collectFiles ?? []).entries()) {
      if (item.absPath === undefined) continue;
      const problem = await fileProblem(item.absPath);
      if (problem !== undefined)
        error(`collect/file[${i + 1}]/abs_path: file "${item.absPath}" ${problem}`);
    }
  }
  if (config.stage !== undefined) {
    await dir("stage/staging_dir", config.stage.targetDir, "write");
    for (const [i, peer] of (config.stage.localPeers ?? []).entries()) {
      await dir(`stage/peer[${i + 1}] (${peer.name ?? "?"})/collect_dir`, peer.collectDir, "read");
    }
  }
  if (config.store !== undefined) {
    await dir("store/source_dir", config.store.sourceDir, "read");
    const device = config.store.devicePath;
    if (device !== undefined) {
      const problem = await fileProblem(device).then((p) =>
        p === "is not a regular file" ? undefined : p,
      );
      if (problem !== undefined) error(`store/target_device: device "${device}" ${problem}`);
      else if (await isDeviceMounted(device)) {
        error(
          `store/target_device: device "${device}" is currently mounted: unmount it before storing`,
        );
      }
    }
  }
  for (const [i, item] of (config.purge?.purgeDirs ?? []).entries()) {
    await dir(`purge/dir[${i + 1}]/abs_path`, item.absPath, "write");
  }
  const seen = new Set<string>();
  for (const { program, neededBy } of input.programs) {
    if (seen.has(program)) continue;
    seen.add(program);
    const path = await resolveProgram(program, input.overrides, ctx.env["PATH"]);
    if (path === undefined) {
      const via = input.overrides.get(program);
      error(
        via === undefined
          ? `program "${program}" (needed by ${neededBy}) is not installed: install it or add an <override> in <options>`
          : `program "${program}" (needed by ${neededBy}) is overridden to "${via}", which is not an executable file`,
      );
    } else {
      ctx.logger.debug(`Program [${program}] resolves to [${path}].`);
    }
  }
  return findings;
}

/** The validate action for one run. */
export function createValidateAction(input: ValidateInput): ActionHandler {
  return async (ctx) => {
    const findings = await validateConfiguration(ctx, input);
    for (const finding of findings) {
      if (ctx.flags.quiet) ctx.logger.info(finding.message);
      else if (finding.severity === "warning") ctx.logger.warn(finding.message);
      else ctx.logger.error(finding.message);
    }
    const valid = !findings.some((finding) => finding.severity === "error");
    const summary = valid ? "Configuration is valid." : "Configuration is not valid.";
    if (valid || ctx.flags.quiet) ctx.logger.info(summary);
    else ctx.logger.error(summary);
  };
}
