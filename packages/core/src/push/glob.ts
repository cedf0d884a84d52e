/**
 * Glob patterns of push rules (spec appendices, "Glob-style matching": `*` matches zero
 * or more characters, `?` exactly one; everything else is literal), matched
 * case-insensitively, compiled once per rule.
 */

/** `[A-Z]`, `[a-z]`, `[0-9]`, `_`: the characters that do not form a word boundary. */
const WORD_CHAR = '[A-Za-z0-9_]';
/** A position is a word boundary unless it sits between two word characters. */
const BOUNDARY = `(?:(?<!${WORD_CHAR})|(?!${WORD_CHAR}))`;

/** Characters that must be escaped in a `u`-mode RegExp. */
const REGEXP_SYNTAX = /[\\^$.*+?()[\]{}|/]/g;

export function globToRegExpSource(glob: string): string {
  let out = '';
  let previousStar = false;
  for (const ch of glob) {
    if (ch === '*') {
      if (!previousStar) out += '.*'; // runs of stars are one star: avoids needless backtracking
      previousStar = true;
      continue;
    }
    previousStar = false;
    out += ch === '?' ? '.' : ch.replace(REGEXP_SYNTAX, '\\$&');
  }
  return out;
}

/** Case-insensitive, code-point-wise (`u`), and `*` spans newlines (`s`). */
const FLAGS = 'isu';

/**
 * Matches a whole value. Patterns without wildcards (event types, membership, user ids:
 * nearly every condition of the default rules) are decided without the RegExp when the
 * length differs or the value is spelt exactly like the pattern.
 */
export class GlobMatcher {
  private readonly regex: RegExp;
  /** The pattern itself when it is printable ASCII without wildcards. */
  private readonly asciiLiteral: string | undefined;

  constructor(readonly pattern: string) {
    this.regex = new RegExp(`^(?:${globToRegExpSource(pattern)})$`, FLAGS);
    // Under `iu` folding an ASCII character only matches a single UTF-16 unit, so a
    // different length can never match.
    this.asciiLiteral = /^[ -~]*$/.test(pattern) && !/[*?]/.test(pattern) ? pattern : undefined;
  }

  matches(value: string): boolean {
    const literal = this.asciiLiteral;
    if (literal !== undefined) {
      if (value.length !== literal.length) return false;
      if (value === literal) return true;
    }
    return this.regex.test(value);
  }
}

/**
 * Matches any substring of the value that starts and ends at a word boundary (the
 * start or end of the value, or next to a character outside `[A-Za-z0-9_]`): the rule
 * for `content.body` and for content rules.
 */
export class WordMatcher {
  private readonly regex: RegExp;
  private readonly needle: string | undefined;

  /**
   * `source` is a RegExp source for the substring (see wordGlobMatcher, literalWordMatcher);
   * `literal`, when the pattern is printable ASCII text without wildcards, lets values
   * that do not even contain it be refused without the RegExp (see foldForSearch).
   */
  constructor(source: string, literal?: string) {
    this.regex = new RegExp(`${BOUNDARY}(?:${source})${BOUNDARY}`, FLAGS);
    this.needle = literal !== undefined && /^[ -~]+$/.test(literal) ? literal.toLowerCase() : undefined;
  }

  /** `folded`: foldForSearch(value), when the caller has it (once per event for many matchers). */
  matches(value: string, folded?: string): boolean {
    if (this.needle !== undefined && !(folded ?? foldForSearch(value)).includes(this.needle)) return false;
    return this.regex.test(value);
  }
}

/**
 * A spelling of `value` in which every match of an ASCII pattern under the `iu` flags
 * appears as the lower-cased pattern: lower case, plus U+017F (long s), the one
 * character that case-folds to ASCII without lower-casing to it (U+212A KELVIN SIGN
 * lower-cases to "k"). Extra matches are harmless: the RegExp still decides.
 */
export function foldForSearch(value: string): string {
  const lower = value.toLowerCase();
  return lower.includes('\u017f') ? lower.replace(/\u017f/g, 's') : lower;
}

const hasWildcard = (pattern: string) => pattern.includes('*') || pattern.includes('?');

export function wordGlobMatcher(pattern: string): WordMatcher {
  return new WordMatcher(globToRegExpSource(pattern), hasWildcard(pattern) ? undefined : pattern);
}

/** A literal string (a display name: `*` and `?` are not wildcards there). */
export function literalWordMatcher(literal: string): WordMatcher {
  return new WordMatcher(literal.replace(REGEXP_SYNTAX, '\\$&'), literal);
}
