/**
 * Decoding a fetched page to text: a byte-order mark wins, then the charset
 * from Content-Type, then <meta charset> / <meta http-equiv="Content-Type"> in
 * the first bytes, then UTF-8 (HTML's sniffing order, simplified).
 */
import { TextDecoder } from 'node:util';

/** The charset parameter of a Content-Type value, if any. */
export function charsetOfContentType(contentType: string | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '');
  return m?.[1];
}

/** HTML's prescan window: a meta charset must appear within the first 1024 bytes. */
const PRESCAN_BYTES = 1024;

function charsetOfMeta(bytes: Buffer): string | undefined {
  const start = bytes.subarray(0, PRESCAN_BYTES).toString('latin1');
  return (
    /<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)/i.exec(start)?.[1] ??
    /<meta[^>]+content\s*=\s*["'][^"']*charset\s*=\s*([a-zA-Z0-9_.:-]+)/i.exec(start)?.[1]
  );
}

function decoderFor(label: string | undefined): TextDecoder | undefined {
  if (!label) return undefined;
  try {
    return new TextDecoder(label);
  } catch {
    return undefined; // unknown label: keep looking
  }
}

export function decodeHtml(bytes: Buffer, contentType: string | undefined): string {
  const bom =
    bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
      ? 'utf-8'
      : bytes[0] === 0xfe && bytes[1] === 0xff
        ? 'utf-16be'
        : bytes[0] === 0xff && bytes[1] === 0xfe
          ? 'utf-16le'
          : undefined;
  const decoder =
    decoderFor(bom) ??
    decoderFor(charsetOfContentType(contentType)) ??
    decoderFor(charsetOfMeta(bytes)) ??
    new TextDecoder('utf-8');
  return decoder.decode(bytes);
}
