import { hash } from 'node:crypto';

/** SHA-256 of a string (hashed as UTF-8) or bytes. The one-shot crypto.hash avoids
 *  allocating a Hash object per call, which matters at event-hashing rates. */
export function sha256(data: string | Uint8Array): Buffer {
  return hash('sha256', data, 'buffer');
}
