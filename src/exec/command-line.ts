import type { Secret } from "../log/secret.js";

const REDACTED = "**redacted**";

/**
 * Replace every occurrence of a secret's value inside each argument by `**redacted**`
 * (`--password=hunter2` becomes `--password=**redacted**`). Empty secrets are ignored.
 */
export function redactArgs(
  args: readonly string[],
  secrets: readonly Secret[] | undefined,
): string[] {
  const values = (secrets ?? []).map((secret) => secret.reveal()).filter((value) => value !== "");
  if (values.length === 0) return [...args];
  // Longest first, so a secret that contains another one is replaced whole.
  values.sort((a, b) => b.length - a.length);
  return args.map((arg) => values.reduce((text, value) => text.split(value).join(REDACTED), arg));
}

/** Replace every occurrence of the secrets inside one line of text (see {@link redactArgs}). */
export function redactText(text: string, secrets: readonly Secret[] | undefined): string {
  return redactArgs([text], secrets)[0] ?? text;
}

// Characters Python's str.isprintable() rejects (space is the one Zs character it accepts).
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python's `repr()` of a string, so logged command lines read exactly like Cedar's. */
export function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = "";
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === "\\" || char === quote) body += `\\${char}`;
    else if (char === "\n") body += "\\n";
    else if (char === "\r") body += "\\r";
    else if (char === "\t") body += "\\t";
    else if (char !== " " && NON_PRINTABLE.test(char)) body += pythonCodeEscape(code);
    else body += char;
  }
  return `${quote}${body}${quote}`;
}

function pythonCodeEscape(code: number): string {
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, "0")}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, "0")}`;
  return `\\U${code.toString(16).padStart(8, "0")}`;
}

/**
 * The line Cedar writes on its output log before running a command, with Python list
 * syntax: `Executing command ['tar'] with args ['-cf', '/x.tar'].` Arguments must already
 * be redacted.
 */
export function formatCommandLine(program: string, args: readonly string[]): string {
  return `Executing command [${pythonRepr(program)}] with args [${args.map(pythonRepr).join(", ")}].`;
}
