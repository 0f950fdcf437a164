import { inspect } from "node:util";

const REDACTED = "**redacted**";

/**
 * A value that must never be printed: database passwords, S3 keys, passphrases. Every way
 * of turning it into text (`String()`, template literals, `JSON.stringify`, `util.inspect`)
 * gives `**redacted**`; only {@link Secret.reveal} returns the value, and only code that
 * hands it to a program through a file, a pipe or the environment should call it.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The secret value itself. Never log it, never put it on a command line. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}
