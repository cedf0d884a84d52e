/**
 * Thumbnails of the sizes clients ask for most (Synapse's `thumbnail_sizes`),
 * generated in the background right after an image is uploaded, so the first
 * client to show it does not wait for the resize. Other sizes are still made
 * on demand. Failures only mean the first request generates it.
 */
import type { Logger } from '@lattice/core';
import type { MediaRepository } from '../media-repository.js';
import type { ThumbnailMethod } from './thumbnail-size.js';
import { isThumbnailable, type Thumbnailer } from './thumbnailer.js';

export interface ThumbnailSize {
  width: number;
  height: number;
  method: ThumbnailMethod;
}

export function pregenerateThumbnails(repo: MediaRepository, thumbnailer: Thumbnailer, sizes: readonly ThumbnailSize[], logger: Logger): void {
  if (sizes.length === 0) return;
  repo.onStored((mediaId, contentType) => {
    if (!isThumbnailable(contentType)) return;
    void (async () => {
      try {
        const media = await repo.awaitContent(mediaId, 0);
        // One at a time: sharp already spreads each resize over the thread pool.
        for (const size of sizes) await thumbnailer.thumbnail(media, { ...size, animated: false });
      } catch (err) {
        logger.debug({ err, mediaId }, 'thumbnail pre-generation skipped');
      }
    })();
  });
}
