/**
 * Strict parser for untrusted JSON (request bodies, federation PDUs).
 *
 * One validating pass over the UTF-8 bytes checks everything JSON.parse would let
 * through silently (invalid UTF-8, lone surrogates, duplicate keys, nesting depth,
 * non-canonical numbers), then the native JSON.parse builds the value.
 *
 * Error kinds, for the HTTP layer (`err.toMatrixError()`):
 *   - 'not_json' → 400 M_NOT_JSON: the bytes are not JSON text at all (syntax errors,
 *     invalid UTF-8 including UTF-8-encoded surrogates, empty body, trailing data).
 *   - 'bad_json' → 400 M_BAD_JSON: well-formed JSON that we refuse (duplicate keys,
 *     nesting deeper than maxDepth, `\u` escapes of lone surrogates, and with
 *     strictNumbers: fractions, exponents, integers outside ±(2^53−1)).
 */
import { isUtf8 } from 'node:buffer';
import { Errors, type MatrixError } from '../errors.js';

export type JsonErrorKind = 'not_json' | 'bad_json';

export class JsonParseError extends Error {
  constructor(
    readonly kind: JsonErrorKind,
    message: string,
    /** Byte offset in the UTF-8 input where the problem was found. */
    readonly position: number,
  ) {
    super(`${message} at byte ${position}`);
    this.name = 'JsonParseError';
  }

  toMatrixError(): MatrixError {
    return this.kind === 'not_json' ? Errors.notJson(this.message) : Errors.badJson(this.message);
  }
}

export interface ParseJsonOptions {
  /** Maximum nesting of objects and arrays (the top-level container is depth 1). Default 100. */
  maxDepth?: number;
  /** Canonical JSON numbers only (room versions 6+): no fraction, no exponent,
   *  integers within ±(2^53−1). Default false. */
  strictNumbers?: boolean;
}

export const DEFAULT_MAX_JSON_DEPTH = 100;

export function parseJsonStrict(input: Uint8Array | string, options?: ParseJsonOptions): unknown {
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const strictNumbers = options?.strictNumbers ?? false;
  let text: string;
  let bytes: Buffer;
  if (typeof input === 'string') {
    if (!input.isWellFormed()) throw new JsonParseError('not_json', 'Input contains a lone surrogate', 0);
    text = input;
    bytes = Buffer.from(input, 'utf8');
  } else {
    bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    // Native validation (rejects overlong forms, encoded surrogates, > U+10FFFF).
    if (!isUtf8(bytes)) throw new JsonParseError('not_json', 'Invalid UTF-8', firstInvalidUtf8(bytes));
    text = '';
  }
  new Scanner(bytes, maxDepth, strictNumbers).document();
  if (typeof input !== 'string') text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    // Unreachable if the scanner is complete; kept so a gap can never crash a handler.
    throw new JsonParseError('not_json', (e as Error).message, 0);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_SAFE_DIGITS = '9007199254740991';

// Bytes that may follow a backslash in a string, other than `u`.
const SIMPLE_ESCAPES = new Uint8Array(128);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPES[c.charCodeAt(0)] = 1;

// Bytes that end the fast path inside a string: control characters, `"` and `\`.
const STRING_SPECIAL = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_SPECIAL[c] = 1;
STRING_SPECIAL[QUOTE] = 1;
STRING_SPECIAL[BACKSLASH] = 1;

class Scanner {
  private pos = 0;
  // Set by scanString for the key-decoding logic.
  private sawEscape = false;

  constructor(
    private readonly b: Buffer,
    private readonly maxDepth: number,
    private readonly strictNumbers: boolean,
  ) {}

  document(): void {
    this.skipWhitespace();
    if (this.pos >= this.b.length) this.notJson('Empty input');
    this.value(0);
    this.skipWhitespace();
    if (this.pos < this.b.length) this.notJson('Unexpected data after the JSON value');
  }

  private notJson(message: string): never {
    throw new JsonParseError('not_json', message, this.pos);
  }

  private badJson(message: string): never {
    throw new JsonParseError('bad_json', message, this.pos);
  }

  private skipWhitespace(): void {
    const b = this.b;
    let p = this.pos;
    while (p < b.length) {
      const c = b[p]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      p++;
    }
    this.pos = p;
  }

  private value(depth: number): void {
    const c = this.b[this.pos];
    switch (c) {
      case 0x7b: // {
        return this.object(depth + 1);
      case 0x5b: // [
        return this.array(depth + 1);
      case QUOTE:
        return this.scanString();
      case 0x74: // t
        return this.literal('true');
      case 0x66: // f
        return this.literal('false');
      case 0x6e: // n
        return this.literal('null');
      default:
        if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return this.number();
        this.notJson(c === undefined ? 'Unexpected end of input' : 'Unexpected character');
    }
  }

  private literal(word: string): void {
    for (let i = 0; i < word.length; i++) {
      if (this.b[this.pos + i] !== word.charCodeAt(i)) this.notJson('Invalid literal');
    }
    this.pos += word.length;
  }

  private enter(depth: number): void {
    if (depth > this.maxDepth) this.badJson(`JSON nested deeper than ${this.maxDepth} levels`);
    this.pos++;
    this.skipWhitespace();
  }

  private array(depth: number): void {
    this.enter(depth);
    if (this.b[this.pos] === 0x5d) {
      this.pos++;
      return;
    }
    for (;;) {
      this.value(depth);
      this.skipWhitespace();
      const c = this.b[this.pos];
      this.pos++;
      if (c === 0x5d) return;
      if (c !== 0x2c) this.notJson("Expected ',' or ']'");
      this.skipWhitespace();
    }
  }

  private object(depth: number): void {
    this.enter(depth);
    if (this.b[this.pos] === 0x7d) {
      this.pos++;
      return;
    }
    let firstKey: string | undefined;
    let keys: Set<string> | undefined;
    for (;;) {
      if (this.b[this.pos] !== QUOTE) this.notJson('Expected a string key');
      const keyStart = this.pos;
      const key = this.key(keyStart);
      if (firstKey === undefined) {
        firstKey = key;
      } else {
        if (keys === undefined) keys = new Set([firstKey]);
        if (keys.has(key)) {
          this.pos = keyStart;
          this.badJson(`Duplicate key ${JSON.stringify(key)}`);
        }
        keys.add(key);
      }
      this.skipWhitespace();
      if (this.b[this.pos] !== 0x3a) this.notJson("Expected ':'");
      this.pos++;
      this.skipWhitespace();
      this.value(depth);
      this.skipWhitespace();
      const c = this.b[this.pos];
      this.pos++;
      if (c === 0x7d) return;
      if (c !== 0x2c) this.notJson("Expected ',' or '}'");
      this.skipWhitespace();
    }
  }

  /** Scans a key and returns it in a form where equal keys are equal strings: the UTF-8
   *  bytes read as latin1 (injective, and cheap), with escapes decoded first. */
  private key(start: number): string {
    this.scanString();
    const b = this.b;
    if (!this.sawEscape) return b.toString('latin1', start + 1, this.pos - 1);
    const decoded = JSON.parse(b.toString('utf8', start, this.pos)) as string;
    return Buffer.from(decoded, 'utf8').toString('latin1');
  }

  private scanString(): void {
    const b = this.b;
    const n = b.length;
    let p = this.pos + 1;
    let sawEscape = false;
    // UTF-8 was validated up front, so only `"`, `\` and control bytes need a look.
    for (;;) {
      if (p >= n) {
        this.pos = p;
        this.notJson('Unterminated string');
      }
      const c = b[p]!;
      if (STRING_SPECIAL[c] === 0) {
        p++;
      } else if (c === QUOTE) {
        break;
      } else if (c === BACKSLASH) {
        sawEscape = true;
        p = this.escape(p);
      } else {
        this.pos = p;
        this.notJson('Unescaped control character in string');
      }
    }
    this.pos = p + 1;
    this.sawEscape = sawEscape;
  }

  /** Validates the escape at p (a backslash) and returns the position after it. */
  private escape(p: number): number {
    const e = this.b[p + 1];
    if (e === 0x75) {
      const unit = this.hex4(p + 2);
      if (unit >= 0xdc00 && unit <= 0xdfff) {
        this.pos = p;
        this.badJson('Escaped lone low surrogate');
      }
      if (unit >= 0xd800 && unit <= 0xdbff) {
        const low = this.b[p + 6] === BACKSLASH && this.b[p + 7] === 0x75 ? this.hex4(p + 8) : -1;
        if (low < 0xdc00 || low > 0xdfff) {
          this.pos = p;
          this.badJson('Escaped lone high surrogate');
        }
        return p + 12;
      }
      return p + 6;
    }
    if (e === undefined || e >= 128 || SIMPLE_ESCAPES[e] === 0) {
      this.pos = p;
      this.notJson('Invalid escape sequence');
    }
    return p + 2;
  }

  private hex4(p: number): number {
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.b[p + i];
      let d: number;
      if (c === undefined) d = -1;
      else if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
      else d = -1;
      if (d < 0) {
        this.pos = p + i;
        this.notJson('Invalid \\u escape');
      }
      v = v * 16 + d;
    }
    return v;
  }

  private number(): void {
    const b = this.b;
    let p = this.pos;
    if (b[p] === 0x2d) p++;
    const intStart = p;
    const first = b[p];
    if (first === 0x30) p++;
    else if (first !== undefined && first >= 0x31 && first <= 0x39) p = this.digits(p);
    else {
      this.pos = p;
      this.notJson('Invalid number');
    }
    const intEnd = p;
    let integral = true;
    if (b[p] === 0x2e) {
      integral = false;
      p = this.requireDigits(p + 1);
    }
    if (b[p] === 0x65 || b[p] === 0x45) {
      integral = false;
      p++;
      if (b[p] === 0x2b || b[p] === 0x2d) p++;
      p = this.requireDigits(p);
    }
    const next = b[p];
    if (next !== undefined && next >= 0x30 && next <= 0x39) {
      this.pos = p;
      this.notJson('Leading zeros are not allowed');
    }
    if (this.strictNumbers) {
      if (!integral) this.badJson('Only integers are allowed');
      if (!fitsSafeInteger(b, intStart, intEnd)) this.badJson('Integer outside ±(2^53−1)');
    }
    this.pos = p;
  }

  private digits(p: number): number {
    const b = this.b;
    while (p < b.length && b[p]! >= 0x30 && b[p]! <= 0x39) p++;
    return p;
  }

  private requireDigits(p: number): number {
    const end = this.digits(p);
    if (end === p) {
      this.pos = p;
      this.notJson('Invalid number');
    }
    return end;
  }
}

/** Whether the decimal digits b[start, end) (no leading zeros) are ≤ 2^53−1. */
function fitsSafeInteger(b: Buffer, start: number, end: number): boolean {
  const n = end - start;
  if (n !== MAX_SAFE_DIGITS.length) return n < MAX_SAFE_DIGITS.length;
  for (let i = 0; i < n; i++) {
    const d = b[start + i]! - MAX_SAFE_DIGITS.charCodeAt(i);
    if (d !== 0) return d < 0;
  }
  return true;
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (for error messages). */
function firstInvalidUtf8(b: Buffer): number {
  let p = 0;
  while (p < b.length) {
    const c = b[p]!;
    if (c < 0x80) {
      p++;
      continue;
    }
    let len: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f; // would encode a surrogate
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return p;
    for (let i = 1; i < len; i++) {
      const x = b[p + i];
      if (x === undefined || x < lo || x > hi) return p;
      lo = 0x80;
      hi = 0xbf;
    }
    p += len;
  }
  return b.length;
}
