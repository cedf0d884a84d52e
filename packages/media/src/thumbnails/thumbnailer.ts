/**
 * Thumbnails of local images with sharp (libvips), generated on first request
 * and cached on disk with a DB row. Only the formats the spec lets us serve
 * inline are decoded, identified by their bytes (not the uploader's claim), and
 * images above MAX_INPUT_PIXELS are refused before decoding.
 */
import { access } from 'node:fs/promises';
import sharp from 'sharp';
import { Errors, MatrixError } from '@lattice/core';
import type { Queryable } from '@lattice/storage';
import type { AvailableMedia } from '../media-repository.js';
import { mediaTypeEssence } from '../http/serving-headers.js';
import { commitFile, writeTempFile } from '../store/file-writer.js';
import type { MediaPaths, ThumbnailKey } from '../store/media-paths.js';
import { findThumbnail, insertThumbnail } from '../store/media-rows.js';
import { outputSize, thumbnailKey, type Size, type ThumbnailRequest } from './thumbnail-size.js';

/** Decoding guard: 32 megapixels (a 6000×5000 photo), all frames together for animations. */
export const MAX_INPUT_PIXELS = 32_000_000;

const DECODABLE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);
const DECODABLE_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif']);
const ANIMATABLE_FORMATS = new Set(['gif', 'webp']);

/** Content the thumbnailer may decode (its bytes are checked again when it does). */
export function isThumbnailable(contentType: string): boolean {
  return DECODABLE_TYPES.has(mediaTypeEssence(contentType));
}

export interface Thumbnail {
  path: string;
  contentType: string;
}

interface SourceInfo extends Size {
  format: string;
  pages: number;
}

export class Thumbnailer {
  constructor(
    private readonly db: Queryable,
    private readonly paths: MediaPaths,
  ) {}

  async thumbnail(media: AvailableMedia, req: ThumbnailRequest): Promise<Thumbnail> {
    if (!isThumbnailable(media.contentType)) throw cannotThumbnail();
    const key = thumbnailKey(req);
    const cached = await this.cached(media.mediaId, key);
    if (cached) return cached;

    const source = await inspect(media.path);
    const animate = key.animated && source.pages > 1 && ANIMATABLE_FORMATS.has(source.format);
    const size = outputSize(key, source);
    const fitsAlready = size.width === source.width && size.height === source.height;
    // A source that already fits is served as is, unless that would animate against the client's wish.
    if (fitsAlready && (animate || source.pages === 1)) return { path: media.path, contentType: media.contentType };

    const { data, contentType } = await render(media.path, source, size, animate);
    const path = this.paths.localThumbnail(media.mediaId, key);
    const tmp = this.paths.tempFile();
    await writeTempFile(tmp, data);
    // EEXIST means another request (or replica) generated the same thumbnail first: equally good.
    await commitFile(tmp, path);
    await insertThumbnail(this.db, media.mediaId, key, { contentType, length: data.length });
    return { path, contentType };
  }

  private async cached(mediaId: string, key: ThumbnailKey): Promise<Thumbnail | undefined> {
    const row = await findThumbnail(this.db, mediaId, key);
    if (!row) return undefined;
    const path = this.paths.localThumbnail(mediaId, key);
    // A row whose file was cleaned away is regenerated.
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    return exists ? { path, contentType: row.contentType } : undefined;
  }
}

async function inspect(path: string): Promise<SourceInfo> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(path).metadata();
  } catch {
    throw cannotThumbnail();
  }
  // Dimensions as displayed: EXIF orientation is applied when rendering.
  const { format } = meta;
  const { width, height } = meta.autoOrient;
  if (format === undefined || !DECODABLE_FORMATS.has(format) || !width || !height) throw cannotThumbnail();
  const pages = meta.pages ?? 1;
  // For animations `height` is one frame; decoding a static thumbnail reads one frame.
  if (width * height > MAX_INPUT_PIXELS) throw Errors.tooLarge('Content is too large to thumbnail');
  return { format, width, height, pages };
}

async function render(path: string, source: SourceInfo, size: Size, animate: boolean): Promise<{ data: Buffer; contentType: string }> {
  // Too many frames to decode within the pixel budget: fall back to the first frame.
  const animated = animate && source.width * source.height * source.pages <= MAX_INPUT_PIXELS;
  try {
    const pipeline = sharp(path, { animated, limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .autoOrient()
      .resize({ width: size.width, height: size.height, fit: 'cover', withoutEnlargement: true });
    if (animated) return { data: await pipeline.webp().toBuffer(), contentType: 'image/webp' };
    if (source.format === 'jpeg') return { data: await pipeline.jpeg({ quality: 80 }).toBuffer(), contentType: 'image/jpeg' };
    return { data: await pipeline.png().toBuffer(), contentType: 'image/png' };
  } catch (err) {
    if (err instanceof MatrixError) throw err;
    throw cannotThumbnail();
  }
}

function cannotThumbnail(): MatrixError {
  return Errors.unknown('Cannot generate thumbnails for the requested content', 400);
}
