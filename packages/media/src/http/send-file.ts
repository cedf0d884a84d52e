/** Sends a stored file (with Range support for media players); the caller has set the type and safety headers. */
import type { Response } from 'express';

export function sendStoredFile(res: Response, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    res.sendFile(path, { acceptRanges: true, cacheControl: false, lastModified: false, etag: false, dotfiles: 'allow' }, (err) => {
      // After the headers are out, failure means the client went away: nothing left to answer.
      if (err && !res.headersSent) reject(err);
      else resolve();
    });
  });
}
