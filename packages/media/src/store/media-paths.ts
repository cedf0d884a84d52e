/**
 * Where media bytes live under media_store_path. Paths are built only from
 * validated media ids (never from raw request text) and fanned out over two
 * directory levels (local_content/ab/cd/rest) to keep directories small.
 * tmp/ is on the same file system, so a finished temp file can be linked into place.
 */
import { randomBytes } from 'node:crypto';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isValidMediaId, isValidMediaOrigin } from '../mxc.js';

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
    return join(this.localThumbnails(mediaId), thumbnailName(key));
  }

  /** The directory of every thumbnail of the media (removed with it). */
  localThumbnails(mediaId: string): string {
    return join(this.root, 'local_thumbnails', ...fanOut(mediaId));
  }

  /** Media of another server, cached: under the origin's directory (server names are validated: no '/'). */
  remoteContent(origin: string, mediaId: string): string {
    return join(this.root, 'remote_content', originDir(origin), ...fanOut(mediaId));
  }

  remoteThumbnail(origin: string, mediaId: string, key: ThumbnailKey): string {
    return join(this.remoteThumbnails(origin, mediaId), thumbnailName(key));
  }

  remoteThumbnails(origin: string, mediaId: string): string {
    return join(this.root, 'remote_thumbnails', originDir(origin), ...fanOut(mediaId));
  }

  /** A stored file's path under the store's root (its key in a storage bucket). */
  relative(path: string): string {
    const rel = relative(this.root, path);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`${path} is outside the media store`);
    return rel.split(sep).join('/');
  }

  /** A fresh name in the store's temp directory. */
  tempFile(): string {
    return join(this.root, 'tmp', randomBytes(12).toString('hex'));
  }
}

function thumbnailName(key: ThumbnailKey): string {
  return `${key.width}-${key.height}-${key.method}${key.animated ? '-animated' : ''}`;
}

function originDir(origin: string): string {
  if (!isValidMediaOrigin(origin)) throw new Error(`refusing server name ${JSON.stringify(origin)}`);
  return origin;
}

function fanOut(mediaId: string): string[] {
  // Defence in depth: callers validate ids, but a path must never be built from anything else.
  if (!isValidMediaId(mediaId) || mediaId.length < MIN_STORED_ID_LENGTH) throw new Error(`refusing media id ${JSON.stringify(mediaId)}`);
  return [mediaId.slice(0, 2), mediaId.slice(2, 4), mediaId.slice(4)];
}
