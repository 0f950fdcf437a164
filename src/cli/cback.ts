#!/usr/bin/env node
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
