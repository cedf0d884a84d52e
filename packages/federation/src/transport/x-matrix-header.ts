/**
 * The X-Matrix Authorization header (server-server API "Request Authentication"):
 * RFC 9110 §11.4 credentials, `X-Matrix` then comma-separated name=value
 * parameters, each value a token or a quoted string with backslash escapes.
 * Names are case-insensitive; unknown parameters are ignored. Unquoted values
 * are read leniently up to the next comma or space: older servers leave colons
 * (and some base64 characters) unquoted.
 */

export interface XMatrixAuth {
  origin: string;
  /** Absent when an older server did not send it (the spec requires accepting that). */
  destination: string | undefined;
  key: string;
  sig: string;
}

export class XMatrixHeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XMatrixHeaderError';
  }
}

// RFC 9110 tchar, for parameter names.
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
// Unquoted values: anything visible but the separators.
const VALUE_CHAR = /[^\s,"\\]/;
const SCHEME = /^x-matrix[ ]+/i;

/** Parses the header; throws XMatrixHeaderError when it is not well-formed X-Matrix credentials. */
export function parseXMatrixHeader(header: string): XMatrixAuth {
  const scheme = SCHEME.exec(header);
  if (scheme === null) throw new XMatrixHeaderError('Authorization scheme is not X-Matrix');
  const params = parseParams(header, scheme[0].length);
  const origin = params.get('origin');
  const key = params.get('key');
  const sig = params.get('sig');
  if (origin === undefined || key === undefined || sig === undefined) {
    throw new XMatrixHeaderError('X-Matrix credentials need origin, key and sig');
  }
  return { origin, destination: params.get('destination'), key, sig };
}

function parseParams(text: string, start: number): Map<string, string> {
  const params = new Map<string, string>();
  let i = start;
  const skipSpace = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  for (;;) {
    skipSpace();
    const nameStart = i;
    while (i < text.length && TOKEN_CHAR.test(text[i]!)) i++;
    const name = text.slice(nameStart, i).toLowerCase();
    if (name === '') throw new XMatrixHeaderError('Expected a parameter name');
    skipSpace();
    if (text[i] !== '=') throw new XMatrixHeaderError(`Expected '=' after ${name}`);
    i++;
    skipSpace();
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new XMatrixHeaderError('Unterminated quoted value');
        const c = text[i++]!;
        if (c === '"') break;
        if (c === '\\') {
          if (i >= text.length) throw new XMatrixHeaderError('Dangling escape in quoted value');
          value += text[i++]!;
        } else {
          value += c;
        }
      }
    } else {
      const valueStart = i;
      while (i < text.length && VALUE_CHAR.test(text[i]!)) i++;
      value = text.slice(valueStart, i);
      if (value === '') throw new XMatrixHeaderError(`Empty value for ${name}`);
    }
    // A repeated parameter makes the credentials ambiguous.
    if (params.has(name)) throw new XMatrixHeaderError(`Repeated parameter ${name}`);
    params.set(name, value);
    skipSpace();
    if (i >= text.length) return params;
    if (text[i] !== ',') throw new XMatrixHeaderError(`Unexpected character ${JSON.stringify(text[i])}`);
    i++;
  }
}

/** The header as the spec asks senders to write it: one space, lower-case names, quoted values, no spaces around commas. */
export function formatXMatrixHeader(auth: XMatrixAuth): string {
  const params: Array<[string, string]> = [['origin', auth.origin]];
  if (auth.destination !== undefined) params.push(['destination', auth.destination]);
  params.push(['key', auth.key], ['sig', auth.sig]);
  return 'X-Matrix ' + params.map(([name, value]) => `${name}="${value.replace(/["\\]/g, '\\$&')}"`).join(',');
}
