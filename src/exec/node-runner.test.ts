import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { describe, expect, it, onTestFinished } from "vitest";
import { ExternalCommandError, InterruptedError } from "../errors/cback-error.js";
import { createMemoryLogger } from "../log/logger.js";
import { Secret } from "../log/secret.js";
import { createNodeRunner, type NodeRunnerOptions } from "./node-runner.js";

const PATH = "/usr/local/bin:/usr/bin:/bin";

function setup(options: Partial<NodeRunnerOptions> = {}) {
  const logger = createMemoryLogger();
  const runner = createNodeRunner({ env: { PATH }, logger, ...options });
  const output = () => logger.records.filter((r) => r.level === "output").map((r) => r.message);
  return { runner, logger, output };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cback-exec-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

const sh = (script: string) => ({ program: "sh", args: ["-c", script] });

/** The pid a script wrote to `path`, once the file is there. */
async function waitForPid(path: string): Promise<number> {
  for (let waited = 0; waited < 5000; waited += 20) {
    try {
      return Number((await readFile(path, "utf8")).trim());
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  throw new Error(`no pid in ${path}`);
}

/** Whether process `pid` is gone (or a zombie) within `ms`. */
async function processEnds(pid: number, ms: number): Promise<boolean> {
  for (let waited = 0; waited <= ms; waited += 20) {
    let state: string | undefined;
    try {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      state = stat
        .slice(stat.lastIndexOf(")") + 1)
        .trim()
        .split(" ")[0];
    } catch {
      return true;
    }
    if (state === "Z" || state === "X") return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

describe("createNodeRunner().run", () => {
  it("returns the output lines of a successful program", async () => {
    const { runner } = setup();
    const result = await runner.run(sh("echo one; echo 'two words'; printf 'no newline'"));
    expect(result).toEqual({ status: 0, lines: ["one", "two words", "no newline"] });
  });

  it("throws ExternalCommandError with the status and the output tail on a non-zero exit", async () => {
    const { runner } = setup();
    const error = await rejection(runner.run(sh("seq 1 30; echo 'it broke' >&2; exit 3")));
    expect(error).toBeInstanceOf(ExternalCommandError);
    const failure = error as ExternalCommandError;
    expect(failure.message).toBe("sh exited with status 3: it broke");
    expect(failure.status).toBe(3);
    expect(failure.program).toBe("sh");
    expect(failure.outputTail).toHaveLength(20);
    expect(failure.outputTail.at(-1)).toBe("it broke");
    expect(failure.outputTail[0]).toBe("12");
  });

  it("resolves with the status when failure is allowed", async () => {
    const { runner } = setup();
    await expect(runner.run(sh("exit 3"), { allowFailure: true })).resolves.toEqual({
      status: 3,
      lines: [],
    });
  });

  it("reports a missing program as status 256 or as 'program not found'", async () => {
    const { runner } = setup();
    const missing = { program: "cback-no-such-program", args: [] };
    await expect(runner.run(missing, { allowFailure: true })).resolves.toEqual({
      status: 256,
      lines: [],
    });
    const error = await rejection(runner.run(missing));
    expect(error).toBeInstanceOf(ExternalCommandError);
    expect((error as Error).message).toBe(
      "program not found: cback-no-such-program (set <override> in <options> or install it)",
    );
  });

  it("reports a program that is not executable as permission denied", async () => {
    const dir = await tempDir();
    const script = join(dir, "not-executable");
    await writeFile(script, "#!/bin/sh\necho hi\n", { mode: 0o644 });
    const { runner } = setup();
    await expect(runner.run({ program: script, args: [] })).rejects.toThrow(
      `permission denied: cannot execute ${script}`,
    );
  });

  it("reports a missing working directory as such, not as a missing program", async () => {
    const { runner } = setup();
    await expect(runner.run({ ...sh("true"), cwd: "/nonexistent/cback" })).rejects.toThrow(
      "cannot run sh: working directory /nonexistent/cback does not exist",
    );
  });

  it("merges stderr into the output, or discards it with ignoreStderr", async () => {
    const { runner } = setup();
    const script = sh("echo out; echo err >&2");
    expect([...(await runner.run(script)).lines].sort()).toEqual(["err", "out"]);
    expect((await runner.run(script, { ignoreStderr: true })).lines).toEqual(["out"]);
  });

  it("reads long outputs completely", async () => {
    const { runner } = setup();
    const { lines } = await runner.run(sh("yes | head -n 100000"));
    expect(lines).toHaveLength(100000);
    expect(lines.every((line) => line === "y")).toBe(true);
  });

  it("decodes output as UTF-8", async () => {
    const { runner } = setup();
    const { lines } = await runner.run({ program: "printf", args: ["caf\\303\\251\\n"] });
    expect(lines).toEqual(["café"]);
  });

  it("writes the invocation input to standard input", async () => {
    const { runner } = setup();
    const { lines } = await runner.run({ program: "cat", args: [], input: "a\nb\n" });
    expect(lines).toEqual(["a", "b"]);
  });

  it("removes the LC_* variables, forces a set LANG to C and adds the invocation env", async () => {
    const { runner } = setup({
      env: {
        PATH,
        LANG: "de_DE.UTF-8",
        LC_ALL: "fr_FR",
        LC_TIME: "fr_FR",
        KEEP: "yes",
        GONE: undefined,
      },
    });
    const { lines } = await runner.run({ program: "env", args: [], env: { EXTRA: "1" } });
    expect(lines).toContain("LANG=C");
    expect(lines).toContain("KEEP=yes");
    expect(lines).toContain("EXTRA=1");
    expect(lines.filter((line) => line.startsWith("LC_"))).toEqual([]);
    expect(lines.filter((line) => line.startsWith("GONE"))).toEqual([]);
  });

  it("leaves LANG unset when it was not set", async () => {
    const { runner } = setup({ env: { PATH, LC_CTYPE: "C.UTF-8" } });
    const { lines } = await runner.run({ program: "env", args: [] });
    expect(lines.filter((line) => /^(LANG|LC_)/.test(line))).toEqual([]);
  });

  it("replaces the program by its override only on an exact name match", async () => {
    const dir = await tempDir();
    const tool = join(dir, "fake-mkisofs");
    await writeFile(tool, '#!/bin/sh\necho "override called with $*"\n', { mode: 0o755 });
    const { runner, output } = setup({ overrides: new Map([["mkisofs", tool]]) });
    expect(runner.resolve("mkisofs")).toBe(tool);
    expect(runner.resolve("/usr/bin/mkisofs")).toBe("/usr/bin/mkisofs");
    const { lines } = await runner.run({ program: "mkisofs", args: ["-r", "x"] });
    expect(lines).toEqual(["override called with -r x"]);
    expect(output()[0]).toBe(`Executing command ['${tool}'] with args ['-r', 'x'].`);
  });

  it("ignores the overrides with skipOverrides, as Cedar does for hooks", async () => {
    const { runner, output } = setup({ overrides: new Map([["echo", "/nonexistent/echo"]]) });
    const { lines } = await runner.run(
      { program: "echo", args: ["hook"] },
      { skipOverrides: true },
    );
    expect(lines).toEqual(["hook"]);
    expect(output()[0]).toBe("Executing command ['echo'] with args ['hook'].");
    await expect(
      runner.run({ program: "cback-no-such-hook", args: [] }, { skipOverrides: true }),
    ).rejects.toThrow("program not found: cback-no-such-hook (install it or give its full path)");
  });

  it("names the override when the overriding path does not exist", async () => {
    const { runner } = setup({ overrides: new Map([["cdrecord", "/nonexistent/wodim"]]) });
    await expect(runner.run({ program: "cdrecord", args: [] })).rejects.toThrow(
      "program not found: /nonexistent/wodim (the <override> of cdrecord in <options>; fix its <abs_path>)",
    );
  });

  it("logs the command line like Cedar and each output line unless quiet", async () => {
    const { runner, logger, output } = setup();
    await runner.run({ program: "echo", args: ["hello world", "x"] });
    expect(output()).toEqual([
      "Executing command ['echo'] with args ['hello world', 'x'].",
      "hello world x",
    ]);
    expect(logger.records).toContainEqual({
      level: "debug",
      message: "Executing command ['echo'] with args ['hello world', 'x'].",
    });
    logger.records.length = 0;
    const quiet = await runner.run({ program: "echo", args: ["not logged"] }, { quiet: true });
    expect(quiet.lines).toEqual(["not logged"]);
    expect(output()).toEqual([
      "Executing command ['echo'] with args ['not logged'].",
      "Note: output will not be logged, per the doNotLog flag.",
    ]);
  });

  it("does not log output lines when logOutput is false", async () => {
    const { runner, output } = setup({ logOutput: false });
    await runner.run({ program: "echo", args: ["x"] });
    expect(output()).toEqual(["Executing command ['echo'] with args ['x']."]);
  });

  it("redacts secrets in the logged command line, the logged output and the error", async () => {
    const { runner, logger } = setup();
    const password = new Secret("hunter2");
    const inv = {
      program: "sh",
      args: ["-c", 'echo "using $1"; exit 1', "sh", "--password=hunter2"],
      secrets: [password],
    };
    const error = (await rejection(runner.run(inv))) as ExternalCommandError;
    const everything = JSON.stringify(logger.records) + error.message + error.args.join(" ");
    expect(everything).not.toContain("hunter2");
    expect(error.args).toContain("--password=**redacted**");
    expect(error.outputTail).toEqual(["using --password=**redacted**"]);
    const result = await runner.run({ ...inv, args: ["-c", 'echo "$1"', "sh", "hunter2"] });
    expect(result.lines).toEqual(["hunter2"]);
  });

  it("reports a program killed by a signal", async () => {
    const { runner } = setup();
    await expect(runner.run(sh("kill -9 $$"))).rejects.toThrow("sh was killed by SIGKILL");
    await expect(runner.run(sh("kill -9 $$"), { allowFailure: true })).resolves.toEqual({
      status: 137,
      lines: [],
    });
  });

  it("kills the program when the signal aborts and rejects with InterruptedError", async () => {
    const { runner } = setup();
    const controller = new AbortController();
    const started = Date.now();
    const running = runner.run({ program: "sleep", args: ["30"] }, { signal: controller.signal });
    setTimeout(() => {
      controller.abort();
    }, 100);
    const error = await rejection(running);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("sends SIGKILL when the program ignores SIGTERM", async () => {
    const { runner } = setup({ killGraceMs: 200 });
    const controller = new AbortController();
    const started = Date.now();
    const running = runner.run(sh("trap '' TERM; exec sleep 30"), { signal: controller.signal });
    setTimeout(() => {
      controller.abort();
    }, 100);
    await expect(running).rejects.toBeInstanceOf(InterruptedError);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  // What `su -c` does: the stop reaches the shell only, which ends and leaves its scp
  // running. With signalProcess the runner stops the programs it started as well.
  it.each([
    ["stops what it started too, with signalProcess", true],
    ["stops only the program itself, without", false],
  ])("on abort %s", async (_what, withSignal) => {
    const dir = await tempDir();
    const pidFile = join(dir, "pid");
    const { runner } = setup(
      withSignal ? { signalProcess: (pid, signal) => process.kill(pid, signal) } : {},
    );
    expect(runner.stopsProcessTrees).toBe(withSignal);
    const controller = new AbortController();
    const running = runner.run(
      sh(
        `sleep 30 & echo $! > ${pidFile}.tmp; mv ${pidFile}.tmp ${pidFile}; trap 'exit 0' TERM; wait`,
      ),
      { signal: controller.signal },
    );
    const grandchild = await waitForPid(pidFile);
    onTestFinished(() => {
      try {
        process.kill(grandchild, "SIGKILL");
      } catch {
        // already gone
      }
    });
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(InterruptedError);
    expect(await processEnds(grandchild, 2000)).toBe(withSignal);
  });

  it("on abort also stops what the program starts after the first look", async () => {
    const dir = await tempDir();
    const pidFile = join(dir, "pid");
    const ready = join(dir, "ready");
    const { runner } = setup({
      killGraceMs: 20_000,
      signalProcess: (pid, signal) => process.kill(pid, signal),
    });
    const controller = new AbortController();
    // On SIGTERM the shell starts a new program and waits for it (a late child).
    const script = `trap 'sleep 30 & echo $! > ${pidFile}.tmp; mv ${pidFile}.tmp ${pidFile}; wait; exit 0' TERM; touch ${ready}; while :; do sleep 0.05; done`;
    const started = Date.now();
    const running = runner.run(sh(script), { signal: controller.signal });
    await waitForPid(ready).catch(() => undefined);
    controller.abort();
    const late = await waitForPid(pidFile);
    onTestFinished(() => {
      try {
        process.kill(late, "SIGKILL");
      } catch {
        // already gone
      }
    });
    await expect(running).rejects.toBeInstanceOf(InterruptedError);
    expect(await processEnds(late, 2000)).toBe(true);
    // Well before the SIGKILL of the grace period.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("does not start anything when the signal is already aborted", async () => {
    const dir = await tempDir();
    const { runner } = setup();
    const marker = join(dir, "ran");
    const run = runner.run(sh(`touch ${marker}`), { signal: AbortSignal.abort() });
    await expect(run).rejects.toBeInstanceOf(InterruptedError);
    await expect(stat(marker)).rejects.toThrow();
  });
});

describe("createNodeRunner().pipeline", () => {
  it("connects the stages and writes the last one's output to the file with mode 0600", async () => {
    const dir = await tempDir();
    const target = join(dir, "out.gz");
    const { runner } = setup();
    await runner.pipeline(
      [
        { program: "printf", args: ["hello\\nworld\\n"] },
        { program: "tr", args: ["a-z", "A-Z"] },
        { program: "gzip", args: ["-c"] },
      ],
      target,
    );
    expect(gunzipSync(await readFile(target)).toString()).toBe("HELLO\nWORLD\n");
    expect((await stat(target)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(["out.gz"]);
  });

  it("feeds the first stage's input", async () => {
    const dir = await tempDir();
    const target = join(dir, "out");
    const { runner } = setup();
    await runner.pipeline([{ program: "cat", args: [], input: "data\n" }], target);
    expect(await readFile(target, "utf8")).toBe("data\n");
  });

  it("fails when a middle stage fails and leaves neither output nor temp file", async () => {
    const dir = await tempDir();
    const target = join(dir, "out.gz");
    await writeFile(target, "previous backup");
    const { runner } = setup();
    const error = await rejection(
      runner.pipeline(
        [
          { program: "printf", args: ["hello\\n"] },
          sh("echo 'middle failed' >&2; exit 3"),
          { program: "gzip", args: ["-c"] },
        ],
        target,
      ),
    );
    expect(error).toBeInstanceOf(ExternalCommandError);
    expect((error as ExternalCommandError).status).toBe(3);
    expect((error as Error).message).toBe(
      "pipeline printf | sh | gzip failed: sh exited with status 3: middle failed",
    );
    expect(await readdir(dir)).toEqual(["out.gz"]);
    expect(await readFile(target, "utf8")).toBe("previous backup");
  });

  it("fails without hanging when the reader dies under an endless writer", async () => {
    const dir = await tempDir();
    const { runner } = setup();
    const error = await rejection(
      runner.pipeline(
        [{ program: "yes", args: [] }, sh("head -c 10 >/dev/null; exit 2")],
        join(dir, "x"),
      ),
    );
    expect((error as ExternalCommandError).message).toContain("sh exited with status 2");
    expect(await readdir(dir)).toEqual([]);
  });

  it("fails when a stage cannot be started", async () => {
    const dir = await tempDir();
    const { runner } = setup();
    await expect(
      runner.pipeline(
        [
          { program: "printf", args: ["x"] },
          { program: "cback-no-such-compressor", args: [] },
        ],
        join(dir, "x"),
      ),
    ).rejects.toThrow("program not found: cback-no-such-compressor");
    expect(await readdir(dir)).toEqual([]);
  });

  it("logs each stage's command line and stderr lines prefixed by the program", async () => {
    const dir = await tempDir();
    const { runner, output } = setup();
    await runner.pipeline(
      [sh("echo data; echo 'warning: x' >&2"), { program: "cat", args: [] }],
      join(dir, "x"),
    );
    expect(output()).toEqual([
      "Executing command ['sh'] with args ['-c', \"echo data; echo 'warning: x' >&2\"].",
      "Executing command ['cat'] with args [].",
      `Writing the output of the pipeline to '${join(dir, "x")}'.`,
      "sh: warning: x",
    ]);
  });

  it("kills every stage on abort and leaves no file", async () => {
    const dir = await tempDir();
    const { runner } = setup();
    const controller = new AbortController();
    const started = Date.now();
    const running = runner.pipeline(
      [
        { program: "sleep", args: ["30"] },
        { program: "cat", args: [] },
      ],
      join(dir, "x"),
      { signal: controller.signal },
    );
    setTimeout(() => {
      controller.abort();
    }, 100);
    await expect(running).rejects.toBeInstanceOf(InterruptedError);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await readdir(dir)).toEqual([]);
  });

  it("redacts secrets of the stages in the error", async () => {
    const dir = await tempDir();
    const { runner, logger } = setup();
    const error = (await rejection(
      runner.pipeline(
        [
          {
            ...sh("exit 4"),
            args: ["-c", "exit 4", "sh", "pw=s3cret"],
            secrets: [new Secret("s3cret")],
          },
        ],
        join(dir, "x"),
      ),
    )) as ExternalCommandError;
    expect(error.args).toEqual(["-c", "exit 4", "sh", "pw=**redacted**"]);
    expect(JSON.stringify(logger.records)).not.toContain("s3cret");
  });

  it("rejects an empty stage list", async () => {
    const { runner } = setup();
    await expect(runner.pipeline([], "/tmp/never")).rejects.toThrow(TypeError);
  });
});

it("runs a program given by its path", async () => {
  const dir = await tempDir();
  const script = join(dir, "s");
  await writeFile(script, "#!/bin/sh\nexit 0\n");
  await chmod(script, 0o755);
  const { runner } = setup();
  await expect(runner.run({ program: script, args: [] })).resolves.toEqual({
    status: 0,
    lines: [],
  });
});

describe("createNodeRunner().pipeline with streamed input", () => {
  /** Chunks of `count` x `size` bytes, all through one buffer that is refilled after each yield. */
  async function* reused(count: number, size: number, log: string[] = []) {
    const buffer = Buffer.alloc(size);
    try {
      for (let index = 0; index < count; index++) {
        buffer.fill(97 + (index % 26));
        log.push(`yield ${index}`);
        await Promise.resolve();
        yield buffer;
      }
    } finally {
      log.push("closed");
    }
  }

  it("streams the chunks to the first stage, each written before the next is asked for", async () => {
    const dir = await tempDir();
    const target = join(dir, "out");
    const { runner } = setup();
    const log: string[] = [];
    await runner.pipeline(
      [
        { program: "cat", args: [] },
        { program: "gzip", args: ["-c"] },
      ],
      target,
      {
        input: reused(40, 256 * 1024, log),
      },
    );
    const expected = Buffer.concat(
      Array.from({ length: 40 }, (_, index) => Buffer.alloc(256 * 1024, 97 + (index % 26))),
    );
    // A reused buffer still arrives intact: no chunk was queued while the next was produced.
    expect(gunzipSync(await readFile(target)).equals(expected)).toBe(true);
    expect(log.at(-1)).toBe("closed");
    expect(await readdir(dir)).toEqual(["out"]);
  });

  it("accepts a readable stream", async () => {
    const dir = await tempDir();
    const target = join(dir, "out");
    const { runner } = setup();
    await runner.pipeline([{ program: "cat", args: [] }], target, {
      input: Readable.from(["one ", "two"]),
    });
    expect(await readFile(target, "utf8")).toBe("one two");
  });

  it("fails and closes the input when the program stops reading early", async () => {
    const dir = await tempDir();
    const { runner } = setup();
    const log: string[] = [];
    const error = await rejection(
      runner.pipeline([sh("head -c 10")], join(dir, "out"), {
        input: reused(100, 1024 * 1024, log),
      }),
    );
    expect(error).toBeInstanceOf(ExternalCommandError);
    expect((error as Error).message).toBe(
      "pipeline sh failed: sh stopped reading its input before the end",
    );
    expect(log.at(-1)).toBe("closed");
    expect(log.length).toBeLessThan(20);
    expect(await readdir(dir)).toEqual([]);
  });

  it("reports the stage's own failure when it dies while reading", async () => {
    const dir = await tempDir();
    const { runner } = setup();
    const error = await rejection(
      runner.pipeline([sh("head -c 100000 >/dev/null; kill -9 $$")], join(dir, "out"), {
        input: reused(100, 1024 * 1024),
      }),
    );
    expect((error as Error).message).toBe("pipeline sh failed: sh was killed by SIGKILL");
    expect(await readdir(dir)).toEqual([]);
  });

  it("stops every stage and rejects with the producer's error when the input throws", async () => {
    const dir = await tempDir();
    const { runner } = setup();
    async function* failing() {
      yield Buffer.from("start");
      await Promise.resolve();
      throw new Error("the source broke");
    }
    const started = Date.now();
    await expect(
      runner.pipeline([{ program: "cat", args: [] }, sh("cat; sleep 30")], join(dir, "out"), {
        input: failing(),
      }),
    ).rejects.toThrow("the source broke");
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await readdir(dir)).toEqual([]);
  });

  it("stops on abort while streaming and leaves no file", async () => {
    const dir = await tempDir();
    const { runner } = setup();
    const controller = new AbortController();
    async function* endless() {
      for (let index = 0; ; index++) {
        if (index === 5) controller.abort();
        await Promise.resolve();
        yield Buffer.alloc(64 * 1024, 1);
      }
    }
    await expect(
      runner.pipeline([{ program: "cat", args: [] }], join(dir, "out"), {
        input: endless(),
        signal: controller.signal,
      }),
    ).rejects.toThrow(InterruptedError);
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses input given both in the options and in the first stage", async () => {
    const { runner } = setup();
    await expect(
      runner.pipeline([{ program: "cat", args: [], input: "x" }], "/tmp/never", {
        input: Readable.from(["y"]),
      }),
    ).rejects.toThrow(TypeError);
  });
});
