import { StringDecoder } from "node:string_decoder";
import type { Readable } from "node:stream";

/**
 * Read a stream as UTF-8 text and call `onLine` for each line, without its `\n` (a `\r`
 * before it is kept, as Cedar keeps it). A last line without a newline is still delivered.
 * Resolves when the stream has ended or closed; stream errors end the reading quietly,
 * because the exit status of the program, not the pipe, decides whether it failed.
 */
export function readLines(stream: Readable, onLine: (line: string) => void): Promise<void> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  const take = (text: string): void => {
    pending += text;
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      onLine(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
    }
  };
  return new Promise((resolve) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      take(decoder.end());
      if (pending !== "") onLine(pending);
      pending = "";
      resolve();
    };
    stream.on("data", (chunk: Buffer) => {
      take(decoder.write(chunk));
    });
    stream.once("end", finish);
    stream.once("close", finish);
    stream.once("error", finish);
  });
}

/** Keeps the last `size` lines pushed into it (the tail reported with a failure). */
export class LineTail {
  readonly #size: number;
  readonly #lines: string[] = [];
  constructor(size: number) {
    this.#size = size;
  }
  /** Add a line, dropping the oldest one when full. */
  push(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.#size) this.#lines.shift();
  }
  /** The kept lines, oldest first. */
  lines(): readonly string[] {
    return [...this.#lines];
  }
  /** The last line that is not blank, if any. */
  lastNonBlank(): string | undefined {
    return this.#lines.findLast((line) => line.trim() !== "");
  }
}
