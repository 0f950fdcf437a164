/**
 * The interface an extension implements: Cedar's `executeAction(configPath, options, config)`
 * contract (cedar-extensions.md §4) in TypeScript form.
 */
import type { Config } from "../config/types.js";
import type { XmlNode } from "../config/xml/xml-node.js";
import type { ToolRunner } from "../exec/tool-runner.js";
import type { Logger } from "../log/logger.js";

/** What an extended action receives. */
export interface ExtensionContext {
  /** Path of the configuration file that was loaded. */
  readonly configPath: string;
  /** The parsed core configuration (validated). */
  readonly config: Config;
  /**
   * The parsed `cb_config` root element, so an extension reads its own section without
   * reading the file again (use the readers of `cedar-backup`'s config API).
   */
  readonly root: XmlNode;
  /** `--full` and the other switches an extension may honour. */
  readonly flags: {
    readonly full: boolean;
    readonly verbose: boolean;
    readonly debug: boolean;
    readonly quiet: boolean;
  };
  /** Log here, never to stdout or stderr: ERROR reaches cron mail, INFO the log file. */
  readonly logger: Logger;
  /** Run external programs only through this: argv only, C locale, overrides, logged output. */
  readonly runner: ToolRunner;
  /** The current time (injected in tests). */
  readonly now: () => Date;
  /** Aborted when the run is interrupted. */
  readonly signal: AbortSignal;
  /** Whether the run has real uid 0. */
  readonly isRoot: boolean;
}

/**
 * An extended action. Resolve when done; reject with an Error whose message says what
 * failed and what to do (the run then exits 6). It must not print, and must not change
 * core behaviour.
 */
export type ExtensionFunction = (ctx: ExtensionContext) => Promise<void>;
