/**
 * A parser for Python `re` syntax (str patterns, Python 3.11 rules) into a small syntax
 * tree. It mirrors CPython's `sre_parse`: every pattern Python rejects is rejected here
 * with Python's message and position. python-regex.ts turns the tree into JavaScript.
 */

/** The inline flags in force at one point of a pattern. */
export interface PatternFlags {
  /** `i`: IGNORECASE */
  readonly ignoreCase: boolean;
  /** `s`: DOTALL, `.` also matches a newline */
  readonly dotAll: boolean;
  /** `m`: MULTILINE, `^` and `$` also match at line breaks */
  readonly multiline: boolean;
  /** `x`: VERBOSE, whitespace and `#` comments outside classes are ignored */
  readonly verbose: boolean;
  /** `a`: ASCII, `\w \d \s \b` and case folding are ASCII-only */
  readonly ascii: boolean;
}

/** A character category escape: `\d \D \w \W \s \S`. */
export type Category = "digit" | "not-digit" | "word" | "not-word" | "space" | "not-space";

/** One member of a character set `[...]`. */
export type SetItem =
  | { readonly kind: "char"; readonly cp: number }
  | { readonly kind: "range"; readonly lo: number; readonly hi: number }
  | { readonly kind: "category"; readonly category: Category };

/** A zero-width assertion. `start`/`end` are `^`/`$` without MULTILINE. */
export type Assertion =
  | "start"
  | "end"
  | "line-start"
  | "line-end"
  | "string-start"
  | "string-end"
  | "boundary"
  | "non-boundary";

/** Alternatives separated by `|`; each branch is a sequence. */
export interface Alternation {
  readonly kind: "alternation";
  readonly branches: readonly (readonly RegexNode[])[];
}

/** A capturing or non-capturing group; scoped flags are already applied to its content. */
export interface GroupNode {
  readonly kind: "group";
  /** Group number for a capturing group, undefined for `(?:...)` and `(?flags:...)`. */
  readonly index: number | undefined;
  readonly name: string | undefined;
  readonly body: Alternation;
  readonly pos: number;
}

/** A node of the syntax tree. `pos` is the code point index in the pattern. */
export type RegexNode =
  | Alternation
  | GroupNode
  | {
      readonly kind: "char";
      readonly cp: number;
      readonly flags: PatternFlags;
      readonly pos: number;
    }
  | { readonly kind: "any"; readonly flags: PatternFlags; readonly pos: number }
  | {
      readonly kind: "set";
      readonly negated: boolean;
      readonly items: readonly SetItem[];
      readonly flags: PatternFlags;
      readonly pos: number;
    }
  | {
      readonly kind: "category";
      readonly category: Category;
      readonly flags: PatternFlags;
      readonly pos: number;
    }
  | {
      readonly kind: "assert";
      readonly assertion: Assertion;
      readonly flags: PatternFlags;
      readonly pos: number;
    }
  | {
      readonly kind: "look";
      readonly behind: boolean;
      readonly negative: boolean;
      readonly body: Alternation;
      readonly pos: number;
    }
  | {
      readonly kind: "backref";
      readonly index: number;
      readonly flags: PatternFlags;
      readonly pos: number;
    }
  | {
      readonly kind: "repeat";
      readonly min: number;
      readonly max: number;
      readonly lazy: boolean;
      readonly body: RegexNode;
      readonly pos: number;
    };

/** A parsed pattern. */
export interface ParsedPattern {
  readonly body: Alternation;
  /** The global flags (set by `(?flags)` at the very start). */
  readonly flags: PatternFlags;
  /** Capturing groups by number. */
  readonly groups: ReadonlyMap<number, GroupNode>;
}

/**
 * A pattern that cannot be used: `python` when Python's `re` rejects it, `unsupported` when
 * Python accepts it but JavaScript cannot express it.
 */
export class PatternSyntaxError extends Error {
  constructor(
    readonly origin: "python" | "unsupported",
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = "PatternSyntaxError";
  }
}

const NO_FLAGS: PatternFlags = {
  ignoreCase: false,
  dotAll: false,
  multiline: false,
  verbose: false,
  ascii: false,
};

/** sre_constants.MAXREPEAT on 64-bit builds. */
const MAX_REPEAT = 4294967295;
const WHITESPACE = " \t\n\r\v\f";
const DIGITS = "0123456789";
const OCTAL_DIGITS = "01234567";
const HEX_DIGITS = "0123456789abcdefABCDEF";
const ASCII_LETTER = /^[A-Za-z]$/;
/** Python's str.isalpha() for one character. */
const ALPHA = /^\p{L}$/u;
/** Characters Python's repr() escapes (str.isprintable() is false); space is printable. */
const NOT_PRINTABLE = /[\p{C}\p{Z}]/u;
const IDENTIFIER = /^[\p{XID_Start}_]\p{XID_Continue}*$/u;

const CHARACTER_ESCAPES: Readonly<Record<string, number>> = {
  a: 7,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  "\\": 92,
};
const CATEGORY_ESCAPES: Readonly<Record<string, Category>> = {
  d: "digit",
  D: "not-digit",
  w: "word",
  W: "not-word",
  s: "space",
  S: "not-space",
};

type FlagLetter = "a" | "i" | "L" | "m" | "s" | "u" | "x" | "t";
const FLAG_LETTERS = "aiLmsuxt";

/**
 * Parse a Python regular expression.
 * @param positionOffset subtracted from every reported position (the caller prepended text).
 * @throws PatternSyntaxError when Python would reject the pattern or JavaScript cannot
 *   express a construct whose meaning depends on the parse (conditionals, atomic groups…).
 */
export function parsePythonRegex(source: string, positionOffset = 0): ParsedPattern {
  return new Parser(Array.from(source), positionOffset).parse();
}

class Parser {
  #i = 0;
  #groupCount = 0;
  readonly #closed = new Set<number>();
  readonly #names = new Map<string, number>();
  readonly #groups = new Map<number, GroupNode>();
  #lookbehindGroups: number | undefined;
  #global: PatternFlags = NO_FLAGS;
  readonly #globalTypes = new Set<FlagLetter>();
  /** Index of a backslash that ends the pattern unpaired, if any. */
  readonly #danglingBackslash: number | undefined;

  constructor(
    private readonly chars: readonly string[],
    private readonly offset: number,
  ) {
    let i = 0;
    while (i < chars.length) i += chars[i] === "\\" ? 2 : 1;
    this.#danglingBackslash = i > chars.length ? chars.length - 1 : undefined;
  }

  parse(): ParsedPattern {
    const body = this.#alternation(NO_FLAGS, 0);
    if (this.#i < this.chars.length) throw this.#error("unbalanced parenthesis", this.#i);
    if (this.#globalTypes.has("a") && this.#globalTypes.has("u")) {
      throw this.#error("ASCII and UNICODE flags are incompatible", 0);
    }
    checkLookbehinds(body, this.#groups, (message, pos) => this.#error(message, pos));
    return { body, flags: this.#global, groups: this.#groups };
  }

  #error(message: string, pos: number): PatternSyntaxError {
    // sre_parse reads one token ahead, so a dangling final backslash is reported as soon as
    // the token before it has been read, before any error found at that point.
    const dangling = this.#danglingBackslash;
    if (
      dangling !== undefined &&
      this.#i >= dangling &&
      message !== "bad escape (end of pattern)"
    ) {
      return this.#error("bad escape (end of pattern)", dangling);
    }
    const position = Math.max(0, pos - this.offset);
    return new PatternSyntaxError("python", `${message} at position ${position}`, position);
  }

  #unsupported(construct: string, pos: number, why: string): PatternSyntaxError {
    const dangling = this.#danglingBackslash;
    if (dangling !== undefined && this.#i >= dangling) {
      return this.#error("bad escape (end of pattern)", dangling);
    }
    const position = Math.max(0, pos - this.offset);
    return new PatternSyntaxError(
      "unsupported",
      `${construct} at position ${position} is not supported: ${why}`,
      position,
    );
  }

  #peek(): string | undefined {
    return this.chars[this.#i];
  }

  #next(): string | undefined {
    const char = this.chars[this.#i];
    if (char !== undefined) this.#i++;
    return char;
  }

  /** The next token as sre_parse sees it: a backslash and the character it escapes are one. */
  #nextToken(): string | undefined {
    const char = this.#next();
    return char === "\\" ? char + (this.#next() ?? "") : char;
  }

  #match(char: string): boolean {
    if (this.chars[this.#i] !== char) return false;
    this.#i++;
    return true;
  }

  /** Up to `max` characters from `allowed`. */
  #takeWhile(max: number, allowed: string): string {
    let taken = "";
    while (taken.length < max) {
      const char = this.#peek();
      if (char === undefined || !allowed.includes(char)) break;
      taken += char;
      this.#i++;
    }
    return taken;
  }

  /** sre_parse's getuntil: the text up to `terminator`, which is consumed. */
  #until(terminator: string, what: string): string {
    let result = "";
    for (;;) {
      const char = this.#next();
      if (char === undefined) {
        if (result === "") throw this.#error(`missing ${what}`, this.#i);
        throw this.#error(`missing ${terminator}, unterminated name`, this.#i - result.length);
      }
      if (char === terminator) {
        if (result === "") throw this.#error(`missing ${what}`, this.#i - 1);
        return result;
      }
      result += char;
    }
  }

  #alternation(flags: PatternFlags, nested: number): Alternation {
    const branches: RegexNode[][] = [];
    do {
      branches.push(
        this.#sequence(nested === 0 ? this.#global : flags, nested, branches.length === 0),
      );
    } while (this.#match("|"));
    return { kind: "alternation", branches };
  }

  #sequence(initial: PatternFlags, nested: number, firstBranch: boolean): RegexNode[] {
    let flags = initial;
    const items: RegexNode[] = [];
    for (;;) {
      const here = this.#i;
      const char = this.#peek();
      if (char === undefined || char === "|" || char === ")") return items;
      this.#i++;
      if (flags.verbose) {
        if (WHITESPACE.includes(char)) continue;
        if (char === "#") {
          for (let c = this.#next(); c !== undefined && c !== "\n"; c = this.#next());
          continue;
        }
      }
      switch (char) {
        case "\\":
          items.push(this.#escape(flags, here));
          break;
        case "[":
          items.push(this.#set(flags, here));
          break;
        case ".":
          items.push({ kind: "any", flags, pos: here });
          break;
        case "^":
          items.push({
            kind: "assert",
            assertion: flags.multiline ? "line-start" : "start",
            flags,
            pos: here,
          });
          break;
        case "$":
          items.push({
            kind: "assert",
            assertion: flags.multiline ? "line-end" : "end",
            flags,
            pos: here,
          });
          break;
        case "(": {
          const result = this.#group(
            flags,
            nested,
            here,
            nested === 0 && firstBranch && items.length === 0,
          );
          if (result === "global-flags") flags = this.#global;
          else if (result !== "comment") items.push(result);
          break;
        }
        case "*":
        case "+":
        case "?":
        case "{":
          if (!this.#repeat(items, char, here)) {
            items.push({ kind: "char", cp: 0x7b, flags, pos: here });
          }
          break;
        default:
          items.push({ kind: "char", cp: char.codePointAt(0) ?? 0, flags, pos: here });
      }
    }
  }

  /** Apply a quantifier to the last item; false when `{` turns out to be a literal. */
  #repeat(items: RegexNode[], char: string, here: number): boolean {
    let min: number;
    let max: number;
    if (char === "?") [min, max] = [0, 1];
    else if (char === "*") [min, max] = [0, Infinity];
    else if (char === "+") [min, max] = [1, Infinity];
    else {
      if (this.#peek() === "}") return false;
      const lo = this.#takeWhile(Infinity, DIGITS);
      let hi = lo;
      if (this.#match(",")) hi = this.#takeWhile(Infinity, DIGITS);
      if (!this.#match("}")) {
        this.#i = here + 1;
        return false;
      }
      min = lo === "" ? 0 : Number(lo);
      max = hi === "" ? Infinity : Number(hi);
      if (min >= MAX_REPEAT || (max !== Infinity && max >= MAX_REPEAT)) {
        throw this.#error("the repetition number is too large", here);
      }
      if (max < min) throw this.#error("min repeat greater than max repeat", here + 1);
    }
    const item = items.at(-1);
    if (item === undefined || item.kind === "assert") throw this.#error("nothing to repeat", here);
    if (item.kind === "repeat") throw this.#error("multiple repeat", here);
    const lazy = this.#match("?");
    if (!lazy && this.#peek() === "+") {
      throw this.#unsupported(
        `possessive quantifier ${this.chars.slice(here, this.#i + 1).join("")}`,
        here,
        "Python 3.11 syntax that JavaScript regular expressions cannot express",
      );
    }
    items[items.length - 1] = { kind: "repeat", min, max, lazy, body: item, pos: here };
    return true;
  }

  #group(
    flags: PatternFlags,
    nested: number,
    start: number,
    mayHaveGlobalFlags: boolean,
  ): RegexNode | "comment" | "global-flags" {
    let capture = true;
    let name: string | undefined;
    let inner = flags;
    if (this.#match("?")) {
      const char = this.#nextToken();
      if (char === undefined) throw this.#error("unexpected end of pattern", this.#i);
      if (char === "P") {
        if (this.#match("<")) {
          name = this.#until(">", "group name");
          if (!IDENTIFIER.test(name))
            throw this.#error(`bad character in group name ${quote(name)}`, start + 4);
        } else if (this.#match("=")) {
          return this.#namedBackref(flags, start);
        } else {
          const next = this.#nextToken();
          if (next === undefined) throw this.#error("unexpected end of pattern", this.#i);
          throw this.#error(`unknown extension ?P${next}`, start + 1);
        }
      } else if (char === ":") {
        capture = false;
      } else if (char === "#") {
        for (;;) {
          const c = this.#next();
          if (c === undefined) throw this.#error("missing ), unterminated comment", start);
          if (c === ")") return "comment";
          if (c === "\\") this.#next();
        }
      } else if (char === "=" || char === "!" || char === "<") {
        return this.#look(flags, nested, start, char);
      } else if (char === "(") {
        throw this.#unsupported(
          "conditional group (?(...)...)",
          start,
          "JavaScript regular expressions have no conditional groups",
        );
      } else if (char === ">") {
        throw this.#unsupported(
          "atomic group (?>...)",
          start,
          "Python 3.11 syntax that JavaScript regular expressions cannot express",
        );
      } else if (FLAG_LETTERS.includes(char) || char === "-") {
        const parsed = this.#flags(char, start);
        if (parsed === undefined) {
          if (!mayHaveGlobalFlags) {
            throw this.#error("global flags not at the start of the expression", start);
          }
          return "global-flags";
        }
        capture = false;
        inner = parsed(flags);
      } else {
        throw this.#error(`unknown extension ?${char}`, start + 1);
      }
    }
    let index: number | undefined;
    if (capture) {
      index = ++this.#groupCount;
      if (name !== undefined) {
        const previous = this.#names.get(name);
        if (previous !== undefined) {
          throw this.#error(
            `redefinition of group name ${quote(name)} as group ${index}; was group ${previous}`,
            start + 4,
          );
        }
        this.#names.set(name, index);
      }
    }
    const body = this.#alternation(inner, nested + 1);
    if (!this.#match(")")) throw this.#error("missing ), unterminated subpattern", start);
    const group: GroupNode = { kind: "group", index, name, body, pos: start };
    if (index !== undefined) {
      this.#closed.add(index);
      this.#groups.set(index, group);
    }
    return group;
  }

  #namedBackref(flags: PatternFlags, start: number): RegexNode {
    const name = this.#until(")", "group name");
    if (!IDENTIFIER.test(name))
      throw this.#error(`bad character in group name ${quote(name)}`, start + 4);
    const index = this.#names.get(name);
    if (index === undefined) throw this.#error(`unknown group name ${quote(name)}`, start + 4);
    this.#checkBackref(index, start + 4);
    return { kind: "backref", index, flags, pos: start };
  }

  /** @param pos where Python reports an open group; a lookbehind conflict is reported at the current position. */
  #checkBackref(index: number, pos: number): void {
    if (!this.#closed.has(index)) throw this.#error("cannot refer to an open group", pos);
    if (this.#lookbehindGroups !== undefined && index >= this.#lookbehindGroups) {
      throw this.#error("cannot refer to group defined in the same lookbehind subpattern", this.#i);
    }
  }

  #look(flags: PatternFlags, nested: number, start: number, first: string): RegexNode {
    let kind = first;
    const behind = kind === "<";
    if (behind) {
      const next = this.#next();
      if (next === undefined) throw this.#error("unexpected end of pattern", this.#i);
      if (next !== "=" && next !== "!") throw this.#error(`unknown extension ?<${next}`, start + 1);
      kind = next;
    }
    const outer = this.#lookbehindGroups;
    if (behind && outer === undefined) this.#lookbehindGroups = this.#groupCount + 1;
    const body = this.#alternation(flags, nested + 1);
    if (behind && outer === undefined) this.#lookbehindGroups = undefined;
    if (!this.#match(")")) throw this.#error("missing ), unterminated subpattern", start);
    return { kind: "look", behind, negative: kind === "!", body, pos: start };
  }

  /**
   * sre_parse._parse_flags. Returns undefined for global flags `(?aiLmsux)` (applied to
   * the pattern), else a function applying the scoped flags of `(?flags-flags:...)`.
   */
  #flags(first: string, start: number): ((outer: PatternFlags) => PatternFlags) | undefined {
    const add = new Set<FlagLetter>();
    const remove = new Set<FlagLetter>();
    let char: string | undefined = first;
    if (char !== "-") {
      for (;;) {
        const letter = char as FlagLetter;
        if (letter === "L")
          throw this.#error("bad inline flags: cannot use 'L' flag with a str pattern", this.#i);
        if (letter === "t") {
          throw this.#unsupported(
            "the TEMPLATE flag (?t)",
            start,
            "deprecated in Python 3.11 and removed in 3.13",
          );
        }
        add.add(letter);
        if (add.has("a") && add.has("u")) {
          throw this.#error("bad inline flags: flags 'a', 'u' and 'L' are incompatible", this.#i);
        }
        char = this.#next();
        if (char === undefined) throw this.#error("missing -, : or )", this.#i);
        if (char === ")" || char === "-" || char === ":") break;
        if (!FLAG_LETTERS.includes(char)) {
          throw this.#error(ALPHA.test(char) ? "unknown flag" : "missing -, : or )", this.#i - 1);
        }
      }
    }
    if (char === ")") {
      this.#global = applyFlags(this.#global, add, remove);
      for (const letter of ["a", "u"] as const) if (add.has(letter)) this.#globalTypes.add(letter);
      return undefined;
    }
    if (char === "-") {
      char = this.#next();
      if (char === undefined) throw this.#error("missing flag", this.#i);
      if (!FLAG_LETTERS.includes(char)) {
        throw this.#error(ALPHA.test(char) ? "unknown flag" : "missing flag", this.#i - 1);
      }
      for (;;) {
        const letter = char as FlagLetter;
        if (letter === "a" || letter === "u" || letter === "L") {
          throw this.#error("bad inline flags: cannot turn off flags 'a', 'u' and 'L'", this.#i);
        }
        if (letter === "t") {
          throw this.#unsupported(
            "the TEMPLATE flag (?t)",
            start,
            "deprecated in Python 3.11 and removed in 3.13",
          );
        }
        remove.add(letter);
        char = this.#next();
        if (char === undefined) throw this.#error("missing :", this.#i);
        if (char === ":") break;
        if (!FLAG_LETTERS.includes(char)) {
          throw this.#error(ALPHA.test(char) ? "unknown flag" : "missing :", this.#i - 1);
        }
      }
    }
    for (const letter of add) {
      if (remove.has(letter))
        throw this.#error("bad inline flags: flag turned on and off", this.#i - 1);
    }
    return (outer) => applyFlags(outer, add, remove);
  }

  #escape(flags: PatternFlags, start: number): RegexNode {
    const char = this.#next();
    if (char === undefined) throw this.#error("bad escape (end of pattern)", start);
    const node = { flags, pos: start };
    switch (char) {
      case "A":
        return { kind: "assert", assertion: "string-start", ...node };
      case "Z":
        return { kind: "assert", assertion: "string-end", ...node };
      case "b":
        return { kind: "assert", assertion: "boundary", ...node };
      case "B":
        return { kind: "assert", assertion: "non-boundary", ...node };
    }
    const category = CATEGORY_ESCAPES[char];
    if (category !== undefined) return { kind: "category", category, ...node };
    const literal = CHARACTER_ESCAPES[char];
    if (literal !== undefined) return { kind: "char", cp: literal, ...node };
    if (char === "0") {
      const digits = this.#takeWhile(2, OCTAL_DIGITS);
      return { kind: "char", cp: parseInt(`0${digits}`, 8), ...node };
    }
    if (DIGITS.includes(char)) {
      let digits = char;
      const second = this.#peek();
      if (second !== undefined && DIGITS.includes(second)) {
        digits += this.#next() ?? "";
        const third = this.#peek();
        if (
          OCTAL_DIGITS.includes(char) &&
          OCTAL_DIGITS.includes(second) &&
          third !== undefined &&
          OCTAL_DIGITS.includes(third)
        ) {
          digits += this.#next() ?? "";
          const value = parseInt(digits, 8);
          if (value > 0o377)
            throw this.#error(`octal escape value \\${digits} outside of range 0-0o377`, start);
          return { kind: "char", cp: value, ...node };
        }
      }
      const index = Number(digits);
      if (index > this.#groupCount)
        throw this.#error(`invalid group reference ${index}`, start + 1);
      this.#checkBackref(index, start);
      return { kind: "backref", index, ...node };
    }
    const cp = this.#codeEscape(char, start);
    if (cp !== undefined) return { kind: "char", cp, ...node };
    if (ASCII_LETTER.test(char)) throw this.#error(`bad escape \\${char}`, start);
    return { kind: "char", cp: char.codePointAt(0) ?? 0, ...node };
  }

  /** `\x`, `\u`, `\U` and `\N{...}`, shared by both escape contexts. */
  #codeEscape(char: string, start: number): number | undefined {
    const lengths: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };
    const length = lengths[char];
    if (length !== undefined) {
      const digits = this.#takeWhile(length, HEX_DIGITS);
      if (digits.length !== length)
        throw this.#error(`incomplete escape \\${char}${digits}`, start);
      const value = parseInt(digits, 16);
      if (value > 0x10ffff) throw this.#error(`bad escape \\${char}${digits}`, start);
      return value;
    }
    if (char === "N") {
      if (!this.#match("{")) throw this.#error("missing {", this.#i);
      const name = this.#until("}", "character name");
      throw this.#unsupported(
        `named character escape \\N{${name}}`,
        start,
        "JavaScript has no Unicode name table; write the character itself or \\uXXXX",
      );
    }
    return undefined;
  }

  #set(flags: PatternFlags, start: number): RegexNode {
    const items: SetItem[] = [];
    const negated = this.#match("^");
    for (;;) {
      const firstStart = this.#i;
      let char = this.#next();
      if (char === undefined) throw this.#error("unterminated character set", start);
      if (char === "]" && items.length > 0) break;
      const first = char === "\\" ? this.#classEscape(firstStart) : charItem(char);
      if (this.#match("-")) {
        const secondStart = this.#i;
        char = this.#next();
        if (char === undefined) throw this.#error("unterminated character set", start);
        if (char === "]") {
          items.push(first, { kind: "char", cp: 0x2d });
          break;
        }
        const second = char === "\\" ? this.#classEscape(secondStart) : charItem(char);
        if (first.kind !== "char" || second.kind !== "char" || second.cp < first.cp) {
          // Python names the range by its two tokens (an escape is two characters there).
          const range = `${this.#token(firstStart)}-${this.#token(secondStart)}`;
          throw this.#error(`bad character range ${range}`, this.#i - Array.from(range).length);
        }
        items.push({ kind: "range", lo: first.cp, hi: second.cp });
      } else {
        items.push(first);
      }
    }
    return { kind: "set", negated, items, flags, pos: start };
  }

  #token(at: number): string {
    return this.chars.slice(at, this.chars[at] === "\\" ? at + 2 : at + 1).join("");
  }

  #classEscape(start: number): SetItem {
    const char = this.#next();
    if (char === undefined) throw this.#error("bad escape (end of pattern)", start);
    if (char === "b") return { kind: "char", cp: 8 };
    const literal = CHARACTER_ESCAPES[char];
    if (literal !== undefined) return { kind: "char", cp: literal };
    const category = CATEGORY_ESCAPES[char];
    if (category !== undefined) return { kind: "category", category };
    const cp = this.#codeEscape(char, start);
    if (cp !== undefined) return { kind: "char", cp };
    if (OCTAL_DIGITS.includes(char)) {
      const digits = char + this.#takeWhile(2, OCTAL_DIGITS);
      const value = parseInt(digits, 8);
      if (value > 0o377)
        throw this.#error(`octal escape value \\${digits} outside of range 0-0o377`, start);
      return { kind: "char", cp: value };
    }
    if (DIGITS.includes(char) || ASCII_LETTER.test(char))
      throw this.#error(`bad escape \\${char}`, start);
    return { kind: "char", cp: char.codePointAt(0) ?? 0 };
  }
}

/** Python's repr() of a group name, as its error messages show it. */
function quote(text: string): string {
  const mark = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = "";
  for (const char of text) {
    const cp = char.codePointAt(0) ?? 0;
    if (char === "\\" || char === mark) body += `\\${char}`;
    else if (char === "\n") body += "\\n";
    else if (char === "\r") body += "\\r";
    else if (char === "\t") body += "\\t";
    else if (char !== " " && NOT_PRINTABLE.test(char)) {
      const [prefix, width] = cp < 0x100 ? ["x", 2] : cp < 0x10000 ? ["u", 4] : ["U", 8];
      body += `\\${prefix}${cp.toString(16).padStart(width, "0")}`;
    } else body += char;
  }
  return `${mark}${body}${mark}`;
}

function charItem(char: string): SetItem {
  return { kind: "char", cp: char.codePointAt(0) ?? 0 };
}

function applyFlags(
  outer: PatternFlags,
  add: ReadonlySet<FlagLetter>,
  remove: ReadonlySet<FlagLetter>,
): PatternFlags {
  const value = (letter: FlagLetter, current: boolean): boolean =>
    remove.has(letter) ? false : add.has(letter) ? true : current;
  return {
    ignoreCase: value("i", outer.ignoreCase),
    dotAll: value("s", outer.dotAll),
    multiline: value("m", outer.multiline),
    verbose: value("x", outer.verbose),
    // Turning on one type flag (a, u) replaces the other, as sre_compile._combine_flags does.
    ascii: add.has("a") ? true : add.has("u") ? false : outer.ascii,
  };
}

type Width = readonly [number, number];

/** Python requires every lookbehind to match a fixed number of characters. */
function checkLookbehinds(
  root: Alternation,
  groups: ReadonlyMap<number, GroupNode>,
  error: (message: string, pos: number) => PatternSyntaxError,
): void {
  const widths = new Map<number, Width>();
  const times = (a: number, b: number): number => (a === 0 || b === 0 ? 0 : a * b);
  const width = (node: RegexNode): Width => {
    switch (node.kind) {
      case "alternation": {
        const each = node.branches.map((branch) =>
          branch.map(width).reduce<Width>((sum, w) => [sum[0] + w[0], sum[1] + w[1]], [0, 0]),
        );
        return [Math.min(...each.map((w) => w[0])), Math.max(...each.map((w) => w[1]))];
      }
      case "group": {
        const w = width(node.body);
        if (node.index !== undefined) widths.set(node.index, w);
        return w;
      }
      case "char":
      case "any":
      case "set":
      case "category":
        return [1, 1];
      case "assert":
      case "look":
        return [0, 0];
      case "backref": {
        const group = groups.get(node.index);
        return widths.get(node.index) ?? (group === undefined ? [0, 0] : width(group));
      }
      case "repeat": {
        const [lo, hi] = width(node.body);
        return [times(lo, node.min), times(hi, node.max)];
      }
    }
  };
  const visit = (node: RegexNode): void => {
    switch (node.kind) {
      case "alternation":
        node.branches.forEach((branch) => {
          branch.forEach(visit);
        });
        return;
      case "group":
        visit(node.body);
        widths.set(node.index ?? -1, width(node.body));
        return;
      case "repeat":
        visit(node.body);
        return;
      case "look": {
        visit(node.body);
        if (!node.behind) return;
        const [lo, hi] = width(node.body);
        if (lo !== hi) throw error("look-behind requires fixed-width pattern", node.pos);
        return;
      }
      case "char":
      case "any":
      case "set":
      case "category":
      case "assert":
      case "backref":
        return;
    }
  };
  visit(root);
}
