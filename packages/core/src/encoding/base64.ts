/**
 * Unpadded Base64 (appendices "Unpadded Base64"), standard and URL-safe alphabets.
 * Node's own base64 decoder silently skips characters outside the alphabet, so
 * decoding validates the input first: a signature or hash that is not clean
 * base64 must fail, never decode to something else.
 */

export class InvalidBase64Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidBase64Error';
  }
}

export function encodeBase64(data: Uint8Array): string {
  return stripPadding(toBuffer(data).toString('base64'));
}

export function encodeBase64Url(data: Uint8Array): string {
  // Node's base64url output is already unpadded.
  return toBuffer(data).toString('base64url');
}

/** Decodes standard base64, with or without `=` padding (the spec says accept both). */
export function decodeBase64(input: string): Buffer {
  return decodeWith(input, STANDARD, 'base64');
}

/** Decodes URL-safe base64, with or without `=` padding. */
export function decodeBase64Url(input: string): Buffer {
  return decodeWith(input, URL_SAFE, 'base64url');
}

export function isValidBase64(input: string): boolean {
  return validLength(input, STANDARD) >= 0;
}

export function isValidBase64Url(input: string): boolean {
  return validLength(input, URL_SAFE) >= 0;
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function stripPadding(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x3d) end--;
  return end === s.length ? s : s.slice(0, end);
}

function alphabetTable(chars: string): Uint8Array {
  const table = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = 1;
  return table;
}

const LETTERS_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const STANDARD = alphabetTable(LETTERS_DIGITS + '+/');
const URL_SAFE = alphabetTable(LETTERS_DIGITS + '-_');

/** Length of the unpadded data part, or -1 if the input is not well-formed. */
function validLength(input: string, table: Uint8Array): number {
  let end = input.length;
  // Padding, if present, must complete the last quantum exactly.
  if (end % 4 === 0 && end > 0 && input.charCodeAt(end - 1) === 0x3d) {
    end--;
    if (input.charCodeAt(end - 1) === 0x3d) end--;
  }
  if (end % 4 === 1) return -1;
  for (let i = 0; i < end; i++) {
    const c = input.charCodeAt(i);
    if (c >= 128 || table[c] === 0) return -1;
  }
  return end;
}

function decodeWith(input: string, table: Uint8Array, encoding: 'base64' | 'base64url'): Buffer {
  const end = validLength(input, table);
  if (end < 0) throw new InvalidBase64Error('Invalid base64 string');
  return Buffer.from(end === input.length ? input : input.slice(0, end), encoding);
}
