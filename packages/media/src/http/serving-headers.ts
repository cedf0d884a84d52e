/**
 * Headers for serving media (spec "Content repository" and "Serving inline
 * content"): the recommended CSP, CORP cross-origin, nosniff, and a
 * Content-Disposition (RFC 6266) that is `inline` only for the spec's safe types.
 */
import type { Response } from 'express';

const CONTENT_SECURITY_POLICY =
  "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; object-src 'self';";

/** The spec's list of types that may be served with `Content-Disposition: inline`. */
const INLINE_SAFE_TYPES = new Set([
  'text/css',
  'text/plain',
  'text/csv',
  'application/json',
  'application/ld+json',
  'image/jpeg',
  'image/gif',
  'image/png',
  'image/apng',
  'image/webp',
  'image/avif',
  'video/mp4',
  'video/webm',
  'video/ogg',
  'video/quicktime',
  'audio/mp4',
  'audio/webm',
  'audio/aac',
  'audio/mpeg',
  'audio/ogg',
  'audio/wave',
  'audio/wav',
  'audio/x-wav',
  'audio/x-pn-wav',
  'audio/flac',
  'audio/x-flac',
]);

/** The type without parameters, lower-cased: `Text/HTML; charset=x` → `text/html`. */
export function mediaTypeEssence(contentType: string): string {
  return contentType.split(';', 1)[0].trim().toLowerCase();
}

export function isInlineSafe(contentType: string): boolean {
  return INLINE_SAFE_TYPES.has(mediaTypeEssence(contentType));
}

// Printable ASCII except the quoted-string specials: safe as filename="…".
const PLAIN_FILENAME = /^[\x20-\x7e]*$/;

/** RFC 6266 Content-Disposition; non-ASCII names use RFC 8187 `filename*=utf-8''…`. */
export function contentDisposition(type: 'inline' | 'attachment', filename: string | undefined): string {
  if (filename === undefined || filename === '') return type;
  if (PLAIN_FILENAME.test(filename)) return `${type}; filename="${filename.replace(/["\\]/g, '\\$&')}"`;
  return `${type}; filename*=utf-8''${encodeRfc8187(filename)}`;
}

/** Percent-encodes everything outside RFC 8187's attr-char set. */
function encodeRfc8187(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Sets the safety headers every media response carries, and the type and disposition of the bytes. */
export function setMediaHeaders(res: Response, contentType: string, disposition: string): void {
  // setHeader, not res.set: express would rewrite the stored type (e.g. append a charset lookup result).
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Disposition', disposition);
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  // Content never changes under an mxc:// URI.
  res.setHeader('Cache-Control', 'public, max-age=86400, immutable');
}
