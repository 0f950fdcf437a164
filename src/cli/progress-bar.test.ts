import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgressBar } from "./progress-bar.js";

function fakeTerminal() {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120, rows: 40 });
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

describe("the progress bar", () => {
  it("shows label, files, bytes and rate", async () => {
    const terminal = fakeTerminal();
    let clock = 1_000_000;
    const bar = createProgressBar(terminal.stream, () => clock);
    bar.start("etc.tar.gz", 10, 4 * 1024 * 1024);
    clock += 2000;
    bar.update(3, 2 * 1024 * 1024);
    bar.stop();
    await new Promise((resolve) => setImmediate(resolve));
    const shown = terminal.text();
    expect(shown).toContain("etc.tar.gz [");
    expect(shown).toContain("3/10 files");
    expect(shown).toContain("2.0 MiB of 4.0 MiB");
    expect(shown).toContain("1.0 MiB/s");
    expect(shown).toContain("50%");
  });
});
