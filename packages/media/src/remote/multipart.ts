/**
 * The multipart/mixed answers of the federation media endpoints (RFC 2046):
 * exactly two parts, JSON metadata then the media (or a Location redirect).
 * Parsed from a buffered body: remote media is capped at max_upload_size.
 */

export interface Part {
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: Buffer;
}

/** The boundary parameter of a multipart Content-Type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/mixed\s*(;|$)/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** The parts between `--boundary` delimiters; undefined when the body is not well formed. */
export function parseMultipart(body: Buffer, boundary: string): Part[] | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) return undefined;
  for (;;) {
    at += delimiter.length;
    // "--" after a delimiter closes the body.
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts;
    const lineEnd = body.indexOf(CRLF, at);
    if (lineEnd < 0) return undefined;
    const start = lineEnd + 2;
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), start);
    if (next < 0) return undefined;
    const part = parsePart(body.subarray(start, next));
    if (!part) return undefined;
    parts.push(part);
    at = next + 2;
  }
}

function parsePart(raw: Buffer): Part | undefined {
  // A part without headers starts directly with the blank line.
  const split = raw.subarray(0, 2).equals(CRLF) ? 0 : raw.indexOf(HEADER_END);
  if (split < 0) return undefined;
  const headers: Record<string, string> = {};
  const headerText = raw.subarray(0, split).toString('latin1');
  for (const line of headerText.split('\r\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: raw.subarray(split === 0 ? 2 : split + 4) };
}
