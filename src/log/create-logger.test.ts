import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { LoggingSetupError } from "../errors/cback-error.js";
import { createLogger, type CreateLoggerOptions } from "./create-logger.js";

const NOW = new Date(Date.UTC(2026, 10, 26, 16, 12, 27));

function setUp(flags: Partial<CreateLoggerOptions> = {}) {
  const logfile = join(tempDir(), "cback.log");
  let screen = "";
  const logger = createLogger({
    logfile,
    owner: { user: "root", group: "adm" },
    mode: 0o640,
    verbose: false,
    quiet: false,
    debug: false,
    output: false,
    stdout: { write: (text) => (screen += text) },
    now: () => NOW,
    timeZone: "UTC",
    ...flags,
  });
  const logged = () => readFileSync(logfile, "utf8");
  return { logger, logfile, logged, screen: () => screen };
}

describe("createLogger", () => {
  it("writes flow records to the file and errors to the screen", () => {
    const { logger, logfile, logged, screen } = setUp();
    logger.debug("hidden");
    logger.info("Cedar Backup run started.");
    logger.output("program output");
    logger.error("Error executing backup: boom");
    logger.close();
    expect(logger.logfile).toBe(logfile);
    expect(logged()).toBe(
      "2026-11-26T16:12:27 UTC --> [INFO   ] Cedar Backup run started.\n" +
        "2026-11-26T16:12:27 UTC --> [ERROR  ] Error executing backup: boom\n",
    );
    expect(screen()).toBe("Error executing backup: boom\n");
    expect(statSync(logfile).mode & 0o777).toBe(0o640);
  });

  it("with --verbose --debug shows everything but program output on the screen", () => {
    const { logger, logged, screen } = setUp({ verbose: true, debug: true });
    logger.debug("d");
    logger.output("o");
    logger.warn("w");
    logger.close();
    expect(screen()).toBe("d\nw\n");
    expect(logged()).toBe(
      "2026-11-26T16:12:27 UTC --> [DEBUG  ] d\no\n2026-11-26T16:12:27 UTC --> [WARNING] w\n",
    );
  });

  it("keeps the screen after the file is closed", () => {
    const { logger, logged, screen } = setUp();
    logger.close();
    logger.error("late");
    expect(logged()).toBe("");
    expect(screen()).toBe("late\n");
  });

  it("fails with a logging setup error (exit 3) when the file cannot be opened", () => {
    const logfile = join(tempDir(), "no", "such", "dir", "cback.log");
    const attempt = () =>
      createLogger({
        logfile,
        owner: { user: "root", group: "adm" },
        mode: 0o640,
        verbose: false,
        quiet: false,
        debug: false,
        output: false,
        stdout: { write: () => true },
      });
    expect(attempt).toThrow(LoggingSetupError);
    try {
      attempt();
    } catch (error) {
      expect((error as LoggingSetupError).exitCode).toBe(3);
    }
  });
});
