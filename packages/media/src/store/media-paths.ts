/**
 * Where media bytes live under media_store_path. Paths are built only from
 * validated media ids (never from raw request text) and fanned out over two
 * directory levels (local_content/ab/cd/rest) to keep directories small.
 * tmp/ is on the same file system, so a finished temp file can be linked into place.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { isValidMediaId } from '../mxc.js';

/** Media ids shorter than this cannot be fanned out; ours are 24 characters. */
const MIN_STORED_ID_LENGTH = 5;

export interface ThumbnailKey {
  width: number;
  height: number;
  method: 'crop' | 'scale';
  animated: boolean;
}

export class MediaPaths {
  readonly root: string;

  constructor(mediaStorePath: string) {
    this.root = resolve(mediaStorePath);
  }

  localContent(mediaId: string): string {
    return join(this.root, 'local_content', ...fanOut(mediaId));
  }

  localThumbnail(mediaId: string, key: ThumbnailKey): string {
    const name = `${key.width}-${key.height}-${key.method}${key.animated ? '-animated' : ''}`;
    return join(this.root, 'local_thumbnails', ...fanOut(mediaId), name);
  }

  /** A fresh name in the store's temp directory. */
  tempFile(): string {
    return join(this.root, 'tmp', randomBytes(12).toString('hex'));
  }
}

function fanOut(mediaId: string): string[] {
  // Defence in depth: callers validate ids, but a path must never be built from anything else.
  if (!isValidMediaId(mediaId) || mediaId.length < MIN_STORED_ID_LENGTH) throw new Error(`refusing media id ${JSON.stringify(mediaId)}`);
  return [mediaId.slice(0, 2), mediaId.slice(2, 4), mediaId.slice(4)];
}
