/**
 * Cedar's minimal command splitter for hook commands and other configured command strings.
 * Only spaces separate words and only double quotes group them; there is no shell: no
 * single quotes, backslashes, variables, globs or pipes.
 */

// A word is a run of characters that are neither a space nor a double quote, or a quoted
// group of at least one character. Anything else (a lone quote, `""`) is skipped.
const WORD = /[^ "]+|"[^"]+"/g;

/**
 * Split a command string the way Cedar's `splitCommandLine` does: find every word (see
 * above), then remove every double quote from it. `echo "hello world" x` gives
 * `["echo", "hello world", "x"]`; `a"b c"` gives `["a", "b c"]`; tabs do not separate.
 */
export function splitCommandLine(commandLine: string): string[] {
  return Array.from(commandLine.matchAll(WORD), (match) => match[0].replaceAll('"', ""));
}
