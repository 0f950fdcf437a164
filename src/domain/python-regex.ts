/**
 * Cedar's exclusion patterns are Python regular expressions, matched as
 * `re.match("^" + pattern + "$", path)`. This module turns such a pattern into an
 * equivalent JavaScript RegExp, or says why it cannot.
 */

/** A compiled Cedar pattern, or the reason it is not usable. */
export type CompiledPattern =
  | { readonly ok: true; readonly regex: RegExp; readonly source: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Compile a Cedar exclude pattern with Cedar's anchoring: the string `^` + pattern + `$`
 * (concatenation, not a group, so `a|b` becomes `^a|b$` exactly as in Cedar).
 */
export function compilePythonPattern(pattern: string): CompiledPattern {
  const translated = translatePythonRegex(`^${pattern}$`);
  if (!translated.ok) return translated;
  try {
    return { ok: true, regex: new RegExp(translated.source, translated.flags), source: pattern };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/** Result of translating Python regex syntax into JavaScript syntax. */
export type TranslatedRegex =
  | { readonly ok: true; readonly source: string; readonly flags: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Translate Python `re` syntax into JavaScript syntax: named groups `(?P<n>…)`/`(?P=n)`,
 * `\A`/`\Z`, and Python's `$` (end of string or before a final newline).
 */
export function translatePythonRegex(source: string): TranslatedRegex {
  let out = "";
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i] ?? "";
    if (ch === "\\") {
      const next = source[i + 1];
      if (next === undefined) return { ok: false, reason: "bad escape (end of pattern)" };
      if (!inClass && next === "A") out += "^";
      else if (!inClass && next === "Z") out += "$";
      else out += ch + next;
      i++;
      continue;
    }
    if (inClass) {
      if (ch === "]") inClass = false;
      out += ch;
      continue;
    }
    if (ch === "[") {
      inClass = true;
      out += ch;
      if (source[i + 1] === "^") out += source[++i] ?? "";
      if (source[i + 1] === "]") out += `\\${source[++i] ?? ""}`;
      continue;
    }
    if (ch === "$") {
      out += "(?=\\n?$)";
      continue;
    }
    if (source.startsWith("(?P<", i)) {
      out += "(?<";
      i += 3;
      continue;
    }
    if (source.startsWith("(?P=", i)) {
      const end = source.indexOf(")", i);
      if (end < 0) return { ok: false, reason: "missing ), unterminated name" };
      out += `\\k<${source.slice(i + 4, end)}>`;
      i = end;
      continue;
    }
    out += ch;
  }
  if (inClass) return { ok: false, reason: "unterminated character set" };
  return { ok: true, source: out, flags: "" };
}
