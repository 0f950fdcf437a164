import type { Invocation, RunOptions, RunOutput, ToolRunner } from "../../src/exec/tool-runner.js";

/** A scripted answer: exit status and output lines. */
export interface FakeAnswer {
  readonly status: number;
  readonly lines?: readonly string[];
}

/**
 * A hand-written ToolRunner for argv assertions: records every invocation and answers from a
 * script keyed by program name (default: status 0, no output). It never starts a process.
 */
export class FakeRunner implements ToolRunner {
  readonly calls: { inv: Invocation; opts: RunOptions | undefined }[] = [];
  constructor(private readonly answers: Readonly<Record<string, FakeAnswer>> = {}) {}

  run(inv: Invocation, opts?: RunOptions): Promise<RunOutput> {
    this.calls.push({ inv, opts });
    const answer = this.answers[inv.program] ?? { status: 0 };
    if (answer.status !== 0 && opts?.allowFailure !== true) {
      return Promise.reject(new Error(`${inv.program} exited ${answer.status}`));
    }
    return Promise.resolve({ status: answer.status, lines: answer.lines ?? [] });
  }

  pipeline(stages: readonly Invocation[]): Promise<void> {
    for (const inv of stages) this.calls.push({ inv, opts: undefined });
    return Promise.resolve();
  }

  resolve(program: string): string {
    return program;
  }

  /** The argv lists run so far (program first). */
  argvs(): string[][] {
    return this.calls.map(({ inv }) => [inv.program, ...inv.args]);
  }
}
