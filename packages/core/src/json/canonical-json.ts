/**
 * Canonical JSON (appendices "Canonical JSON"): the shortest UTF-8 JSON with
 * object keys sorted by Unicode code point. Every signature and hash in Matrix
 * is computed over it, so it sits on the hottest path of event handling.
 */

export class CanonicalJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalJsonError';
  }
}

export interface CanonicalJsonOptions {
  /** Reject numbers that are not integers in ±(2^53−1). Default true. Room versions
   *  1–5 may hold legacy values: pass false to encode them as faithfully as JS allows. */
  strict?: boolean;
  /** Top-level keys to leave out (e.g. `signatures` and `unsigned` when signing),
   *  which saves copying the object. */
  omit?: ReadonlySet<string>;
}

// Declared here because TypeScript's ES2023 lib predates it; Node 20 has it.
declare global {
  interface String {
    isWellFormed(): boolean;
  }
}

/** Encodes `value` as canonical JSON. Throws CanonicalJsonError on floats or integers out
 *  of range (strict mode), NaN/±Infinity, undefined, lone surrogates, and anything that
 *  is not plain JSON data (functions, symbols, bigints, class instances such as Map or Date). */
export function canonicalJson(value: unknown, options?: CanonicalJsonOptions): string {
  const strict = options?.strict ?? true;
  const omit = options?.omit;
  if (omit !== undefined && isPlainObject(value)) return encodeObject(value, strict, omit);
  return encodeValue(value, strict);
}

/** Canonical JSON as UTF-8 bytes. */
export function canonicalJsonBytes(value: unknown, options?: CanonicalJsonOptions): Buffer {
  return Buffer.from(canonicalJson(value, options), 'utf8');
}

function encodeValue(value: unknown, strict: boolean): string {
  switch (typeof value) {
    case 'string':
      return encodeString(value);
    case 'number':
      return encodeNumber(value, strict);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return encodeArray(value, strict);
      if (isPlainObject(value)) return encodeObject(value, strict, undefined);
      throw new CanonicalJsonError(`Cannot encode ${value.constructor?.name ?? 'object'} as JSON`);
    default:
      throw new CanonicalJsonError(`Cannot encode ${typeof value} as JSON`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function encodeNumber(n: number, strict: boolean): string {
  if (Number.isSafeInteger(n)) return n === 0 ? '0' : String(n); // also turns -0 into 0
  if (!Number.isFinite(n)) throw new CanonicalJsonError(`Cannot encode ${n} as JSON`);
  if (strict) {
    throw new CanonicalJsonError(
      Number.isInteger(n) ? `Integer ${n} is outside the canonical JSON range` : `Float ${n} is not allowed in canonical JSON`,
    );
  }
  // Legacy rooms (v1–5): big integers in full digits (exact for any integer a double holds,
  // which is what Python, i.e. Synapse, prints for them), fractions in shortest form.
  return Number.isInteger(n) ? BigInt(n).toString() : String(n);
}

// Characters that JSON.stringify would escape, plus surrogates (need a well-formedness check).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NEEDS_CARE = /["\\\u0000-\u001f\ud800-\udfff]/;

function encodeString(s: string): string {
  if (!NEEDS_CARE.test(s)) return '"' + s + '"';
  if (!s.isWellFormed()) throw new CanonicalJsonError('String contains a lone surrogate');
  // JSON.stringify's escapes are exactly the canonical grammar's: \b \t \n \f \r \" \\ and
  // lowercase \u00XX for the other control characters; it leaves U+007F and non-ASCII alone.
  return JSON.stringify(s);
}

function encodeArray(a: readonly unknown[], strict: boolean): string {
  const n = a.length;
  if (n === 0) return '[]';
  let out = '[' + encodeElement(a[0], strict);
  for (let i = 1; i < n; i++) out += ',' + encodeElement(a[i], strict);
  return out + ']';
}

function encodeElement(v: unknown, strict: boolean): string {
  if (v === undefined) throw new CanonicalJsonError('Cannot encode undefined array element');
  return encodeValue(v, strict);
}

// Keys that contain a UTF-16 surrogate sort differently by code unit than by code point.
const HAS_SURROGATE = /[\ud800-\udfff]/;

function encodeObject(o: Record<string, unknown>, strict: boolean, omit: ReadonlySet<string> | undefined): string {
  const keys = Object.keys(o);
  if (keys.length > 1) {
    keys.sort();
    for (let i = 0; i < keys.length; i++) {
      if (HAS_SURROGATE.test(keys[i]!)) {
        keys.sort(compareCodePoints);
        break;
      }
    }
  }
  let out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (omit !== undefined && omit.has(key)) continue;
    const v = o[key];
    if (v === undefined) throw new CanonicalJsonError(`Cannot encode undefined value of key ${JSON.stringify(key)}`);
    out += (first ? '' : ',') + encodeString(key) + ':' + encodeValue(v, strict);
    first = false;
  }
  return out + '}';
}

/** Orders strings by Unicode code point (what the spec means by lexicographic order). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // A surrogate (D800–DFFF) encodes a code point ≥ U+10000, above every BMP unit.
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}
