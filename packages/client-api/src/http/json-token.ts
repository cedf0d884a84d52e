/**
 * Stateless pagination tokens: the position as a JSON array, base64url-encoded
 * so clients treat it as opaque. Decoding yields the array, or undefined for
 * anything that is not one of ours; each caller checks the elements and
 * answers its own M_INVALID_PARAM.
 */
export function encodeJsonToken(parts: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

export function decodeJsonToken(text: string): unknown[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  return Array.isArray(parsed) ? (parsed as unknown[]) : undefined;
}
