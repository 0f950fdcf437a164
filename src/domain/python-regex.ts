/**
 * Cedar's exclusion patterns are Python regular expressions, matched as
 * `re.match("^" + pattern + "$", path)`. This module turns such a pattern into an
 * equivalent JavaScript RegExp, or says why it cannot (cedar-core.md §4.1, C12).
 *
 * The translation is exact for what Cedar patterns use, with these documented limits:
 * - `\w`, `\d`, `\s`, `\b` follow Python's Unicode definitions (`\w` = letters, numbers and
 *   `_`, which excludes combining marks; `\d` = decimal digits; `\s` includes U+001C–U+001F
 *   and U+0085 but not U+FEFF). Node's Unicode tables may be newer than Python's, so a
 *   character assigned in a recent Unicode version can differ.
 * - IGNORECASE is expanded by hand into exact character classes (including Python's extra
 *   equivalences i/İ/ı, k/K (Kelvin), s/ſ) whenever the affected letters are ASCII. A
 *   pattern case-insensitive throughout that needs more (non-ASCII letters,
 *   backreferences) uses the JavaScript `i` flag, whose Unicode case folding differs from
 *   Python's in rare characters (İ, ı). Where neither is possible the pattern is rejected.
 * - Constructs JavaScript cannot express are rejected, naming the construct: `\N{...}`,
 *   conditional groups, atomic groups and possessive quantifiers (Python 3.11 syntax),
 *   case-insensitive parts that cannot be expanded, and backreferences to a group that may
 *   not take part in the match (Python fails such a reference, JavaScript matches "").
 */
import {
  parsePythonRegex,
  PatternSyntaxError,
  type Alternation,
  type Assertion,
  type Category,
  type PatternFlags,
  type RegexNode,
  type SetItem,
} from "./python-regex-parser.js";

/**
 * A compiled Cedar pattern, or the reason it is not usable. `regex.test(path)` is true
 * exactly when Cedar's `re.match("^" + pattern + "$", path)` matches.
 */
export type CompiledPattern =
  | { readonly ok: true; readonly regex: RegExp; readonly source: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Compile a Cedar exclude pattern with Cedar's anchoring: the string `^` + pattern + `$`
 * (concatenation, not a group, so `a|b` becomes `^a|b$` exactly as in Cedar), matched at
 * the start of the path only, as `re.match` does.
 */
export function compilePythonPattern(pattern: string): CompiledPattern {
  const translated = translate(`^${pattern}$`, 1);
  if (!translated.ok) {
    return {
      ok: false,
      reason: translated.reason.startsWith("global flags not at the start")
        ? `${translated.reason} (Cedar matches "^" + pattern + "$", so Python rejects inline flags here; write (?i:...) around the pattern instead)`
        : translated.reason,
    };
  }
  try {
    return {
      ok: true,
      regex: new RegExp(`^(?:${translated.source})`, translated.flags),
      source: pattern,
    };
  } catch (error) {
    return { ok: false, reason: `JavaScript rejects the translation: ${(error as Error).message}` };
  }
}

/** Result of translating Python regex syntax into JavaScript syntax. */
export type TranslatedRegex =
  | { readonly ok: true; readonly source: string; readonly flags: string }
  | {
      readonly ok: false;
      readonly reason: string;
      /** `python`: Python's `re` rejects the pattern; `unsupported`: JavaScript cannot express it. */
      readonly origin: "python" | "unsupported";
    };

/**
 * Translate Python `re` syntax (str patterns, Python 3.11 rules) into a JavaScript source
 * and flags (always `u`, plus `i` when case-insensitivity could not be expanded) matching
 * the same strings at the same position. Inline flags `(?aimsux)` at the start and scoped
 * `(?flags-flags:...)` are applied during translation; `(?L)` is rejected as Python does.
 */
export function translatePythonRegex(source: string): TranslatedRegex {
  return translate(source, 0);
}

function translate(source: string, offset: number): TranslatedRegex {
  try {
    const parsed = parsePythonRegex(source, offset);
    const mode = chooseCaseMode(parsed.body, offset);
    checkBackreferences(parsed.body, offset);
    return { ok: true, source: emit(parsed.body), flags: mode === "flag" ? "iu" : "u" };
  } catch (error) {
    if (error instanceof PatternSyntaxError) {
      return { ok: false, reason: error.message, origin: error.origin };
    }
    throw error;
  }
}

/** How IGNORECASE is rendered: character classes written out, or the JavaScript `i` flag. */
type CaseMode = "expand" | "flag";

/** Extra characters Python's Unicode IGNORECASE matches for ASCII letters (lowercase keys). */
const UNICODE_CASE_EXTRAS: ReadonlyMap<number, readonly number[]> = new Map([
  [0x69, [0x130, 0x131]],
  [0x6b, [0x212a]],
  [0x73, [0x17f]],
]);

type Ranges = readonly (readonly [number, number])[];

const WORD_MEMBERS = "\\p{L}\\p{N}_";
const ASCII_WORD: Ranges = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const ASCII_DIGIT: Ranges = [[0x30, 0x39]];
const ASCII_SPACE: Ranges = [
  [0x09, 0x0d],
  [0x20, 0x20],
];
/** Python's str.isspace() characters, which `\s` matches in Unicode mode. */
const UNICODE_SPACE: Ranges = [
  [0x09, 0x0d],
  [0x1c, 0x20],
  [0x85, 0x85],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
];

function unsupported(
  construct: string,
  pos: number,
  offset: number,
  why: string,
): PatternSyntaxError {
  const position = Math.max(0, pos - offset);
  return new PatternSyntaxError(
    "unsupported",
    `${construct} at position ${position} is not supported: ${why}`,
    position,
  );
}

function forEachNode(node: RegexNode, visit: (node: RegexNode) => void): void {
  visit(node);
  switch (node.kind) {
    case "alternation":
      for (const branch of node.branches) for (const child of branch) forEachNode(child, visit);
      return;
    case "group":
    case "look":
    case "repeat":
      forEachNode(node.body, visit);
      return;
    case "char":
    case "any":
    case "set":
    case "category":
    case "assert":
    case "backref":
      return;
  }
}

type CaseNode = Extract<RegexNode, { kind: "char" | "set" | "backref" }>;

function chooseCaseMode(root: Alternation, offset: number): CaseMode {
  const nodes: CaseNode[] = [];
  forEachNode(root, (node) => {
    if (node.kind === "char" || node.kind === "set" || node.kind === "backref") nodes.push(node);
  });
  const needsFlag = nodes.find(
    (node) =>
      node.flags.ignoreCase &&
      (node.kind === "backref" ||
        (!node.flags.ascii &&
          hasNonAsciiCased(node.kind === "char" ? [{ kind: "char", cp: node.cp }] : node.items))),
  );
  if (needsFlag === undefined) return "expand";
  if (nodes.every((node) => node.flags.ignoreCase)) return "flag";
  const why =
    "JavaScript (Node 20) has no inline (?i:...) modifier and the i flag would apply to the whole pattern";
  throw needsFlag.kind === "backref"
    ? unsupported("case-insensitive backreference", needsFlag.pos, offset, why)
    : unsupported(
        "case-insensitive match of non-ASCII letters",
        needsFlag.pos,
        offset,
        `${why}; write the case variants out, e.g. [Éé]`,
      );
}

function isCased(cp: number): boolean {
  const char = String.fromCodePoint(cp);
  return char.toLowerCase() !== char || char.toUpperCase() !== char;
}

function hasNonAsciiCased(items: readonly SetItem[]): boolean {
  return items.some((item) => {
    if (item.kind === "char") return item.cp > 0x7f && isCased(item.cp);
    if (item.kind === "category") return false;
    const from = Math.max(item.lo, 0x80);
    if (from > item.hi) return false;
    // Large ranges are assumed to hold cased letters rather than scanned.
    if (item.hi - from > 0x4000) return true;
    for (let cp = from; cp <= item.hi; cp++) if (isCased(cp)) return true;
    return false;
  });
}

interface Step {
  readonly node: RegexNode;
  readonly branch: number;
  readonly optional: boolean;
}

/**
 * Reject a backreference whose group may not take part in the match when the reference is
 * reached: between the group and the nearest construct enclosing both there is an
 * alternation, an optional repeat or a negative lookaround.
 */
function checkBackreferences(root: Alternation, offset: number): void {
  const chains = new Map<number, readonly Step[]>();
  const walk = (node: RegexNode, chain: readonly Step[]): void => {
    const into = (child: RegexNode, step: Step): void => {
      walk(child, [...chain, step]);
    };
    switch (node.kind) {
      case "alternation":
        node.branches.forEach((branch, index) => {
          for (const child of branch) {
            into(child, { node, branch: index, optional: node.branches.length > 1 });
          }
        });
        return;
      case "group":
        if (node.index !== undefined) chains.set(node.index, chain);
        into(node.body, { node, branch: 0, optional: false });
        return;
      case "repeat":
        into(node.body, { node, branch: 0, optional: node.min === 0 });
        return;
      case "look":
        into(node.body, { node, branch: 0, optional: node.negative });
        return;
      case "backref": {
        const group = chains.get(node.index) ?? [];
        let shared = 0;
        while (
          shared < group.length &&
          shared < chain.length &&
          group[shared]?.node === chain[shared]?.node &&
          group[shared]?.branch === chain[shared]?.branch
        ) {
          shared++;
        }
        if (group.slice(shared).some((step) => step.optional)) {
          throw unsupported(
            `backreference to group ${node.index}`,
            node.pos,
            offset,
            "the group may not take part in the match, where Python fails the reference but JavaScript matches an empty string",
          );
        }
        return;
      }
      case "char":
      case "any":
      case "set":
      case "category":
      case "assert":
        return;
    }
  };
  walk(root, []);
}

/**
 * JavaScript source for a node. Case-insensitive letters are written out as classes even
 * when the `i` flag is used, because the flag alone misses Python's i/İ/ı equivalence.
 */
function emit(node: RegexNode): string {
  switch (node.kind) {
    case "alternation":
      return node.branches.map((branch) => branch.map((child) => emit(child)).join("")).join("|");
    case "group": {
      const open =
        node.index === undefined ? "(?:" : node.name === undefined ? "(" : `(?<${node.name}>`;
      return `${open}${emit(node.body)})`;
    }
    case "char":
      if (node.flags.ignoreCase) {
        const variants = caseVariants(node.cp, node.flags.ascii);
        if (variants.length > 1) return `[${variants.map(classLiteral).join("")}]`;
      }
      return literal(node.cp);
    case "any":
      return node.flags.dotAll ? "[\\s\\S]" : "[^\\n]";
    case "set":
      return emitSet(node.items, node.negated, node.flags);
    case "category":
      return categoryClass(node.category, node.flags.ascii);
    case "assert":
      return assertion(node.assertion, node.flags.ascii);
    case "look":
      return `(?${node.behind ? "<" : ""}${node.negative ? "!" : "="}${emit(node.body)})`;
    case "backref":
      // The group keeps its number in JavaScript; the wrapper stops a following digit
      // from being read as part of the reference.
      return `(?:\\${node.index})`;
    case "repeat": {
      const body = emit(node.body);
      const atom = ["look", "assert", "repeat", "alternation"].includes(node.body.kind)
        ? `(?:${body})`
        : body;
      return `${atom}${quantifier(node.min, node.max)}${node.lazy ? "?" : ""}`;
    }
  }
}

function quantifier(min: number, max: number): string {
  if (max === Infinity) return min === 0 ? "*" : min === 1 ? "+" : `{${min},}`;
  if (min === 0 && max === 1) return "?";
  return min === max ? `{${min}}` : `{${min},${max}}`;
}

/** Non-ASCII characters Python's Unicode IGNORECASE treats as one of the letters i, k, s. */
const UNICODE_CASE_ALIASES: ReadonlyMap<number, number> = new Map([
  [0x130, 0x69],
  [0x131, 0x69],
  [0x212a, 0x6b],
  [0x17f, 0x73],
]);

/** The characters Python's IGNORECASE matches for `cp` (itself first), for ASCII letters. */
function caseVariants(cp: number, ascii: boolean): number[] {
  const alias = ascii ? undefined : UNICODE_CASE_ALIASES.get(cp);
  const letter = alias ?? cp;
  const isLetter = (letter >= 0x41 && letter <= 0x5a) || (letter >= 0x61 && letter <= 0x7a);
  if (!isLetter) return [cp];
  const lower = letter | 0x20;
  const all = [lower, lower ^ 0x20, ...(ascii ? [] : (UNICODE_CASE_EXTRAS.get(lower) ?? []))];
  return [cp, ...all.filter((variant) => variant !== cp)];
}

function withCaseVariants(items: readonly SetItem[], ascii: boolean): SetItem[] {
  const result = [...items];
  for (const item of items) {
    if (item.kind === "char") {
      for (const cp of caseVariants(item.cp, ascii).slice(1)) result.push({ kind: "char", cp });
    } else if (item.kind === "range") {
      for (const [first, last] of [
        [0x41, 0x5a],
        [0x61, 0x7a],
      ] as const) {
        const lo = Math.max(item.lo, first);
        const hi = Math.min(item.hi, last);
        if (lo > hi) continue;
        result.push({ kind: "range", lo: lo ^ 0x20, hi: hi ^ 0x20 });
        if (ascii) continue;
        for (const [letter, extras] of UNICODE_CASE_EXTRAS) {
          const same = letter ^ (first === 0x41 ? 0x20 : 0);
          if (same >= lo && same <= hi) for (const cp of extras) result.push({ kind: "char", cp });
        }
      }
    }
  }
  return result;
}

function hex(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

/** Control, format, separator and unassigned characters are written as `\u{...}`. */
function isInvisible(cp: number): boolean {
  return cp < 0x20 || (cp > 0x7e && INVISIBLE.test(String.fromCodePoint(cp)));
}

const INVISIBLE = /^[\p{C}\p{Z}]$/u;

/** A literal character outside a class. */
function literal(cp: number): string {
  if (isInvisible(cp)) return hex(cp);
  const char = String.fromCodePoint(cp);
  return "^$\\.*+?()[]{}|/".includes(char) ? `\\${char}` : char;
}

/** A literal character inside a class. */
function classLiteral(cp: number): string {
  if (isInvisible(cp)) return hex(cp);
  const char = String.fromCodePoint(cp);
  return "\\]-^[".includes(char) ? `\\${char}` : char;
}

function rangeMembers(ranges: Ranges): string {
  return ranges
    .map(([lo, hi]) => (lo === hi ? classLiteral(lo) : `${classLiteral(lo)}-${classLiteral(hi)}`))
    .join("");
}

function complement(ranges: Ranges): Ranges {
  const result: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of ranges) {
    if (lo > next) result.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= 0x10ffff) result.push([next, 0x10ffff]);
  return result;
}

/**
 * Class members for a category. Unicode `\W` has no member form without the `v` flag
 * (Node 20's `v` mode mis-matches negated classes inside repeated groups, so it is not
 * used): it comes back as the members of the class it complements.
 */
function categoryMembers(
  category: Category,
  ascii: boolean,
): { members: string } | { not: string } {
  switch (category) {
    case "digit":
      return { members: ascii ? rangeMembers(ASCII_DIGIT) : "\\p{Nd}" };
    case "not-digit":
      return { members: ascii ? rangeMembers(complement(ASCII_DIGIT)) : "\\P{Nd}" };
    case "word":
      return { members: ascii ? rangeMembers(ASCII_WORD) : WORD_MEMBERS };
    case "not-word":
      return ascii ? { members: rangeMembers(complement(ASCII_WORD)) } : { not: WORD_MEMBERS };
    case "space":
      return { members: rangeMembers(ascii ? ASCII_SPACE : UNICODE_SPACE) };
    case "not-space":
      return { members: rangeMembers(complement(ascii ? ASCII_SPACE : UNICODE_SPACE)) };
  }
}

function categoryClass(category: Category, ascii: boolean): string {
  const members = categoryMembers(category, ascii);
  if ("not" in members) return `[^${members.not}]`;
  return /^\\[pP]\{\w+\}$/.test(members.members) ? members.members : `[${members.members}]`;
}

function emitSet(items: readonly SetItem[], negated: boolean, flags: PatternFlags): string {
  const all = flags.ignoreCase ? withCaseVariants(items, flags.ascii) : items;
  let members = "";
  const complements: string[] = [];
  for (const item of all) {
    if (item.kind === "char") members += classLiteral(item.cp);
    else if (item.kind === "range") members += `${classLiteral(item.lo)}-${classLiteral(item.hi)}`;
    else {
      const category = categoryMembers(item.category, flags.ascii);
      if ("not" in category) complements.push(category.not);
      else members += category.members;
    }
  }
  if (complements.length === 0) return `[${negated ? "^" : ""}${members}]`;
  // A class that includes a complemented class becomes an alternation of classes.
  const union = [...(members === "" ? [] : [`[${members}]`]), ...complements.map((c) => `[^${c}]`)];
  return negated ? `(?:(?!${union.join("|")})[\\s\\S])` : `(?:${union.join("|")})`;
}

function assertion(kind: Assertion, ascii: boolean): string {
  const word = categoryClass("word", ascii);
  switch (kind) {
    case "start":
    case "string-start":
      return "^";
    case "string-end":
      return "$";
    case "end":
      // Python's $ also matches before a newline that ends the string.
      return "(?=\\n?$)";
    case "line-start":
      return "(?<![^\\n])";
    case "line-end":
      return "(?=\\n|$)";
    case "boundary":
      return `(?:(?<=${word})(?!${word})|(?<!${word})(?=${word}))`;
    case "non-boundary":
      // Python 3.11's \B never matches in an empty string.
      return `(?!^$)(?:(?<=${word})(?=${word})|(?<!${word})(?!${word}))`;
  }
}
