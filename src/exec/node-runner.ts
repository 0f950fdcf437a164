import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { randomBytes } from "node:crypto";
import { open, rename, rm, stat } from "node:fs/promises";
import { constants as osConstants } from "node:os";
import { basename, dirname, join } from "node:path";
import { ExternalCommandError, InterruptedError } from "../errors/cback-error.js";
import type { Logger } from "../log/logger.js";
import { formatCommandLine, pythonRepr, redactArgs, redactText } from "./command-line.js";
import { sanitizeEnvironment } from "./environment.js";
import { LineTail, readLines } from "./output-lines.js";
import { descendantPids } from "./process-tree.js";
import type {
  Invocation,
  PipelineOptions,
  RunOptions,
  RunOutput,
  ToolRunner,
} from "./tool-runner.js";

/** How {@link createNodeRunner} runs programs. */
export interface NodeRunnerOptions {
  /** The environment programs inherit, before Cedar's locale rules are applied. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Cedar's `<override>` entries: logical program name to absolute path. */
  readonly overrides?: ReadonlyMap<string, string>;
  /** Receives each command line and output line on its `output` channel. */
  readonly logger: Logger;
  /** Send program output lines to `logger.output` (default true; command lines always go). */
  readonly logOutput?: boolean;
  /** Milliseconds between SIGTERM and SIGKILL when a run is aborted (default 5000). */
  readonly killGraceMs?: number;
  /**
   * Send a signal to any process (the CLI passes `process.kill`). With it, an aborted
   * program is stopped with every process it started (found in `/proc`), not only itself:
   * `su -c` passes a SIGTERM on to its shell alone, so an scp it ran would go on.
   */
  readonly signalProcess?: (pid: number, signal: NodeJS.Signals) => void;
}

/** How often an aborted program's new descendants are looked for until it ends. */
const TREE_RESCAN_MS = 50;

/** Lines of output kept for the error when a program fails. */
const TAIL_LINES = 20;

/** Cedar's pseudo exit status for a program that could not be started. */
const NOT_STARTED = 256;

type Ending =
  | { readonly kind: "exited"; readonly status: number }
  | { readonly kind: "signaled"; readonly signal: NodeJS.Signals }
  | { readonly kind: "not-started"; readonly error: NodeJS.ErrnoException };

interface Started {
  readonly child: ChildProcess | undefined;
  /** Settles once the program ended and its output streams closed (never rejects). */
  readonly ending: Promise<Ending>;
}

/**
 * The ToolRunner that starts real processes with `child_process.spawn` (never a shell).
 * Programs get the sanitised environment of {@link sanitizeEnvironment}, no standard input
 * unless the invocation provides some (Cedar inherits the terminal; a program that prompts
 * would hang a cron run), and their output is read line by line as UTF-8. Stdout and
 * stderr are read from two pipes, so lines keep their order within each stream but the
 * interleaving between the two is only as exact as their arrival.
 *
 * A pipeline is strict, like `set -o pipefail`: when one stage fails, the others are
 * stopped, and a stage killed by SIGPIPE because a later one stopped reading also fails it
 * (a dump cut short must never look like a backup). The error names the first stage that
 * failed on its own, not its SIGPIPE victims.
 */
export function createNodeRunner(options: NodeRunnerOptions): ToolRunner {
  const { logger } = options;
  const logOutput = options.logOutput ?? true;
  const graceMs = options.killGraceMs ?? 5000;
  const resolve = (program: string): string => options.overrides?.get(program) ?? program;

  const announce = (program: string, shownArgs: readonly string[], quiet: boolean): void => {
    const line = formatCommandLine(program, shownArgs);
    logger.debug(line);
    logger.output(line);
    if (quiet) logger.output("Note: output will not be logged, per the doNotLog flag.");
  };

  const launch = (program: string, inv: Invocation, stdio: StdioOptions): Started => {
    const env = sanitizeEnvironment(options.env, inv.env);
    let child: ChildProcess;
    try {
      child = spawn(program, [...inv.args], {
        shell: false,
        env,
        stdio,
        windowsHide: true,
        ...(inv.cwd === undefined ? {} : { cwd: inv.cwd }),
      });
    } catch (error) {
      return { child: undefined, ending: Promise.resolve(notStarted(error)) };
    }
    const ending = new Promise<Ending>((settle) => {
      child.once("error", (error) => {
        // After a successful start, "error" only reports a failed kill(); "close" follows.
        if (child.pid !== undefined) return;
        for (const stream of child.stdio) stream?.destroy();
        settle(notStarted(error));
      });
      child.once("close", (code, signal) => {
        settle(
          code === null
            ? { kind: "signaled", signal: signal ?? "SIGKILL" }
            : { kind: "exited", status: code },
        );
      });
    });
    return { child, ending };
  };

  const stop = (child: ChildProcess | undefined): void => {
    if (child === undefined) return;
    // A grandchild can keep the pipes open; once the child is gone, stop waiting for them.
    const closeStreams = (): void => {
      for (const stream of child.stdio) stream?.destroy();
    };
    if (child.exitCode !== null || child.signalCode !== null) {
      closeStreams();
      return;
    }
    child.once("exit", closeStreams);
    const running = () => child.exitCode === null && child.signalCode === null;
    const { signalProcess } = options;
    const { pid } = child;
    // Descendants first: once the child is gone, they belong to init and cannot be found.
    // Each process gets a signal once (SIGKILL aside), however often the tree is looked at.
    const terminated = new Set<number>();
    const signalDescendants = (signal: NodeJS.Signals): void => {
      if (signalProcess === undefined || pid === undefined) return;
      for (const descendant of descendantPids(pid)) {
        if (signal === "SIGTERM" && terminated.has(descendant)) continue;
        terminated.add(descendant);
        try {
          signalProcess(descendant, signal);
        } catch {
          // it ended meanwhile
        }
      }
    };
    signalDescendants("SIGTERM");
    child.kill("SIGTERM");
    // A shell may still start a program after the first look: look again until it ends.
    const rescan =
      signalProcess === undefined
        ? undefined
        : setInterval(() => {
            if (running()) signalDescendants("SIGTERM");
          }, TREE_RESCAN_MS);
    rescan?.unref();
    const timer = setTimeout(() => {
      if (!running()) return;
      signalDescendants("SIGKILL");
      child.kill("SIGKILL");
    }, graceMs);
    timer.unref();
    child.once("exit", () => {
      clearTimeout(timer);
      if (rescan !== undefined) clearInterval(rescan);
    });
  };

  return {
    resolve,
    stopsProcessTrees: options.signalProcess !== undefined,

    async run(inv: Invocation, opts: RunOptions = {}): Promise<RunOutput> {
      const program = opts.skipOverrides === true ? inv.program : resolve(inv.program);
      const shownArgs = redactArgs(inv.args, inv.secrets);
      const quiet = opts.quiet ?? false;
      announce(program, shownArgs, quiet);
      if (opts.signal?.aborted === true) throw interrupted(inv.program);

      const started = launch(program, inv, [
        inv.input === undefined ? "ignore" : "pipe",
        "pipe",
        opts.ignoreStderr === true ? "ignore" : "pipe",
      ]);
      const { child } = started;
      const lines: string[] = [];
      const tail = new LineTail(TAIL_LINES);
      const onLine = (line: string): void => {
        lines.push(line);
        const shown = redactText(line, inv.secrets);
        tail.push(shown);
        if (logOutput && !quiet) logger.output(shown);
      };
      const reading = [child?.stdout, child?.stderr].map((stream) =>
        stream ? readLines(stream, onLine) : Promise.resolve(),
      );
      feedInput(child, inv.input);

      const abort = { requested: false };
      const release = onAbort(opts.signal, () => {
        abort.requested = true;
        stop(child);
      });
      let ending: Ending;
      try {
        ending = await started.ending;
        await Promise.all(reading);
      } finally {
        release();
      }
      if (abort.requested) throw interrupted(inv.program);

      switch (ending.kind) {
        case "exited":
          if (ending.status === 0 || opts.allowFailure === true) {
            return { status: ending.status, lines };
          }
          throw new ExternalCommandError(
            withLastLine(`${inv.program} exited with status ${ending.status}`, tail),
            program,
            shownArgs,
            ending.status,
            undefined,
            tail.lines(),
          );
        case "signaled":
          if (opts.allowFailure === true) return { status: signalStatus(ending.signal), lines };
          throw new ExternalCommandError(
            withLastLine(`${inv.program} was killed by ${ending.signal}`, tail),
            program,
            shownArgs,
            undefined,
            ending.signal,
            tail.lines(),
          );
        case "not-started": {
          const message = await startFailure(inv, program, ending.error, opts);
          if (opts.allowFailure === true) {
            logger.debug(message);
            return { status: NOT_STARTED, lines };
          }
          throw new ExternalCommandError(message, program, shownArgs, undefined, undefined, [], {
            cause: ending.error,
          });
        }
      }
    },

    async pipeline(
      stages: readonly Invocation[],
      toFile: string,
      opts: PipelineOptions = {},
    ): Promise<void> {
      if (stages.length === 0) throw new TypeError("a pipeline needs at least one stage");
      const streamed = opts.input;
      if (streamed !== undefined && stages[0]?.input !== undefined) {
        throw new TypeError(
          "a pipeline takes its input from the options or the first stage, not both",
        );
      }
      const quiet = opts.quiet ?? false;
      const plan = stages.map((inv) => ({
        inv,
        program: opts.skipOverrides === true ? inv.program : resolve(inv.program),
        shownArgs: redactArgs(inv.args, inv.secrets),
        tail: new LineTail(TAIL_LINES),
      }));
      for (const stage of plan) announce(stage.program, stage.shownArgs, quiet);
      logger.output(`Writing the output of the pipeline to ${pythonRepr(toFile)}.`);
      const names = stages.map((inv) => inv.program).join(" | ");
      if (opts.signal?.aborted === true) throw interrupted(names);

      const directory = dirname(toFile);
      const temporary = join(
        directory,
        `.${basename(toFile)}.${randomBytes(6).toString("hex")}.tmp`,
      );
      const file = await open(temporary, "wx", 0o600);
      let closed = false;
      try {
        const last = plan.length - 1;
        const running = plan.map((stage, index) => {
          const started = launch(stage.program, stage.inv, [
            index === 0 && stage.inv.input === undefined && streamed === undefined
              ? "ignore"
              : "pipe",
            index === last ? file.fd : "pipe",
            opts.ignoreStderr === true ? "ignore" : "pipe",
          ]);
          const stderr = started.child?.stderr;
          const reading = stderr
            ? readLines(stderr, (line) => {
                const shown = redactText(line, stage.inv.secrets);
                stage.tail.push(shown);
                if (logOutput && !quiet) logger.output(`${stage.inv.program}: ${shown}`);
              })
            : Promise.resolve();
          return { ...stage, ...started, reading };
        });
        const feeding =
          streamed === undefined
            ? (feedInput(running[0]?.child, running[0]?.inv.input), Promise.resolve(FED))
            : streamInput(running[0]?.child, streamed, () => {
                for (const stage of running) stop(stage.child);
              });
        for (let index = 1; index < running.length; index++) {
          const upstream = running[index - 1]?.child?.stdout;
          const downstream = running[index]?.child?.stdin;
          if (upstream && downstream) {
            downstream.on("error", () => undefined);
            upstream.pipe(downstream);
          } else {
            upstream?.destroy();
            downstream?.end();
          }
        }

        const abort = { requested: false };
        const failures: { index: number; ending: Ending; stoppedByUs: boolean }[] = [];
        const stopped = new Set<number>();
        const release = onAbort(opts.signal, () => {
          abort.requested = true;
          for (const stage of running) stop(stage.child);
        });
        try {
          await Promise.all(
            running.map(async (stage, index) => {
              const ending = await stage.ending;
              // Whatever this stage did not read, nobody will: let the writer see EPIPE.
              const upstream = running[index - 1]?.child?.stdout;
              upstream?.unpipe();
              upstream?.destroy();
              if (ending.kind === "exited" && ending.status === 0) return;
              failures.push({ index, ending, stoppedByUs: stopped.has(index) });
              running.forEach((other, otherIndex) => {
                if (otherIndex === index || other.child?.exitCode !== null) return;
                stopped.add(otherIndex);
                stop(other.child);
              });
            }),
          );
          await Promise.all(running.map((stage) => stage.reading));
        } finally {
          release();
        }
        const fed = await feeding;
        if (abort.requested) throw interrupted(names);
        if (fed.kind === "failed") throw fed.error;

        const culprit =
          failures.find(
            (failure) =>
              !failure.stoppedByUs &&
              !(failure.ending.kind === "signaled" && failure.ending.signal === "SIGPIPE"),
          ) ?? failures[0];
        const stage = culprit === undefined ? undefined : running[culprit.index];
        if (culprit !== undefined && stage !== undefined) {
          const ending = culprit.ending;
          const what =
            ending.kind === "exited"
              ? withLastLine(`${stage.inv.program} exited with status ${ending.status}`, stage.tail)
              : ending.kind === "signaled"
                ? withLastLine(`${stage.inv.program} was killed by ${ending.signal}`, stage.tail)
                : await startFailure(stage.inv, stage.program, ending.error, opts);
          throw new ExternalCommandError(
            `pipeline ${names} failed: ${what}`,
            stage.program,
            stage.shownArgs,
            ending.kind === "exited" ? ending.status : undefined,
            ending.kind === "signaled" ? ending.signal : undefined,
            stage.tail.lines(),
            ending.kind === "not-started" ? { cause: ending.error } : undefined,
          );
        }

        const first = running[0];
        if (fed.kind === "unread" && first !== undefined) {
          throw new ExternalCommandError(
            `pipeline ${names} failed: ${first.inv.program} stopped reading its input before the end`,
            first.program,
            first.shownArgs,
            0,
            undefined,
            first.tail.lines(),
          );
        }

        await file.sync();
        await file.close();
        closed = true;
        await rename(temporary, toFile);
        await syncDirectory(directory);
      } catch (error) {
        if (!closed) await file.close().catch(() => undefined);
        await rm(temporary, { force: true });
        throw error;
      }
    },
  };
}

function notStarted(error: unknown): Ending {
  return {
    kind: "not-started",
    error: error instanceof Error ? error : new Error(String(error)),
  };
}

function feedInput(child: ChildProcess | undefined, input: string | Uint8Array | undefined): void {
  const stdin = child?.stdin;
  if (!stdin) return;
  // A program may exit without reading its input; its exit status tells what happened.
  stdin.on("error", () => undefined);
  if (input === undefined) stdin.end();
  else stdin.end(input);
}

/** How streaming a pipeline's input ended. */
type Feeding =
  | { readonly kind: "fed" }
  | { readonly kind: "unread" }
  | { readonly kind: "failed"; readonly error: unknown };

const FED: Feeding = { kind: "fed" };

/**
 * Write `input` to the child's stdin one chunk at a time, waiting for each write to reach
 * the pipe before asking for the next (backpressure; producers may reuse buffers). Never
 * rejects: when the program stops reading the iterator is closed and "unread" returned;
 * when the iterable throws, `onFailure` stops the pipeline and the error is returned.
 */
async function streamInput(
  child: ChildProcess | undefined,
  input: AsyncIterable<Uint8Array | string> | NodeJS.ReadableStream,
  onFailure: () => void,
): Promise<Feeding> {
  const stdin = child?.stdin ?? undefined;
  const iterator = (input as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  const close = async (): Promise<void> => {
    try {
      await iterator.return?.();
    } catch {
      // The producer's cleanup failed after the program stopped reading: nothing to add.
    }
  };
  if (stdin === undefined) {
    await close();
    return { kind: "unread" };
  }
  stdin.on("error", () => undefined);
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      const written = await new Promise<boolean>((settle) => {
        stdin.write(next.value, (error) => {
          settle(error === undefined || error === null);
        });
      });
      if (!written) {
        await close();
        return { kind: "unread" };
      }
    }
  } catch (error) {
    stdin.destroy();
    onFailure();
    return { kind: "failed", error };
  }
  stdin.end();
  return FED;
}

function onAbort(signal: AbortSignal | undefined, action: () => void): () => void {
  if (signal === undefined) return () => undefined;
  if (signal.aborted) {
    action();
    return () => undefined;
  }
  signal.addEventListener("abort", action, { once: true });
  return () => {
    signal.removeEventListener("abort", action);
  };
}

function interrupted(what: string): InterruptedError {
  return new InterruptedError(`${what} was interrupted`);
}

function withLastLine(message: string, tail: LineTail): string {
  const last = tail.lastNonBlank();
  return last === undefined ? message : `${message}: ${last}`;
}

/** The shell's convention for a program killed by a signal: 128 + the signal number. */
function signalStatus(signal: NodeJS.Signals): number {
  return 128 + osConstants.signals[signal];
}

async function startFailure(
  inv: Invocation,
  program: string,
  error: NodeJS.ErrnoException,
  opts: RunOptions,
): Promise<string> {
  if (error.code === "ENOENT") {
    // spawn() reports a missing working directory as ENOENT too.
    if (inv.cwd !== undefined && !(await isDirectory(inv.cwd))) {
      return `cannot run ${inv.program}: working directory ${inv.cwd} does not exist`;
    }
    if (opts.skipOverrides === true) {
      return `program not found: ${inv.program} (install it or give its full path)`;
    }
    return program === inv.program
      ? `program not found: ${inv.program} (set <override> in <options> or install it)`
      : `program not found: ${program} (the <override> of ${inv.program} in <options>; fix its <abs_path>)`;
  }
  if (error.code === "EACCES") return `permission denied: cannot execute ${program}`;
  return `cannot start ${program}: ${error.message}`;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Make a rename durable; file systems that cannot sync a directory are left alone. */
async function syncDirectory(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, "r");
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "ENOTSUP" && code !== "EISDIR" && code !== "EPERM") {
      throw error;
    }
  } finally {
    await handle?.close();
  }
}
