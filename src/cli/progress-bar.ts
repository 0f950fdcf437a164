import { SingleBar } from "cli-progress";
import type { ProgressReporter } from "../actions/action-context.js";

function humanBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit] ?? "B"}`;
}

/**
 * A progress bar on a terminal (stderr): label, bar, files done, bytes done and rate. Only
 * used with `--verbose` when stderr is a terminal; cron output never sees it.
 */
export function createProgressBar(
  stream: NodeJS.WriteStream,
  now: () => number = Date.now,
): ProgressReporter {
  let bar: SingleBar | undefined;
  let started = 0;
  let totalBytes = 0;
  const payload = (files: number, bytes: number, totalFiles: number) => {
    const seconds = Math.max((now() - started) / 1000, 0.001);
    return {
      files: `${files}/${totalFiles}`,
      done: humanBytes(Math.min(bytes, totalBytes)),
      size: humanBytes(totalBytes),
      rate: `${humanBytes(bytes / seconds)}/s`,
    };
  };
  let totalFiles = 0;
  return {
    start(label, files, bytes) {
      bar?.stop();
      started = now();
      totalBytes = bytes;
      totalFiles = files;
      bar = new SingleBar({
        stream,
        format: `${label} [{bar}] {percentage}% | {files} files | {done} of {size} | {rate}`,
        hideCursor: true,
        clearOnComplete: false,
        fps: 5,
      });
      bar.start(Math.max(bytes, 1), 0, payload(0, 0, totalFiles));
    },
    update(files, bytes) {
      bar?.update(Math.min(bytes, Math.max(totalBytes, 1)), payload(files, bytes, totalFiles));
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
