#!/usr/bin/env -S node --max-semi-space-size=1
// The flag caps V8's young generation at 1 MiB semi-spaces (the default grows to 16): a
// collect allocates short-lived objects at a steady rate, and the young generation would
// otherwise grow to hold 30 MiB of them. See docs/decisions/0009-memory.md.
import { main } from "./main.js";

const controller = new AbortController();
let interrupts = 0;
const onSignal = (): void => {
  interrupts += 1;
  controller.abort();
  // A second interrupt ends the process even if an extension ignores the abort signal.
  if (interrupts > 1) process.exit(5);
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  nodeVersion: process.version,
  pid: process.pid,
  isRoot: process.getuid?.() === 0,
  signal: controller.signal,
  ...(process.stderr.isTTY ? { progressStream: process.stderr } : {}),
});
process.off("SIGINT", onSignal);
process.off("SIGTERM", onSignal);
