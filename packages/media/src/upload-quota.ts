/**
 * Per-user upload quotas (Synapse's media_upload_limits): every limit caps the
 * bytes a user may upload within a rolling period. The spec's answer for a
 * user over quota is 403 M_FORBIDDEN. Checked before reading an upload (a user
 * already at a limit sends nothing) and again once its length is known.
 */
import { Errors } from '@lattice/core';
import type { Queryable } from '@lattice/storage';
import { uploadedBytesSince } from './store/media-rows.js';

export interface UploadLimit {
  time_period_ms: number;
  max_size: number;
}

export class UploadQuota {
  constructor(
    private readonly db: Queryable,
    private readonly limits: readonly UploadLimit[],
  ) {}

  /** Throws 403 M_FORBIDDEN when `bytes` more would take the user over one of the limits. */
  async check(userId: string, bytes: number, now = Date.now()): Promise<void> {
    for (const limit of this.limits) {
      const used = await uploadedBytesSince(this.db, userId, now - limit.time_period_ms);
      // An upload of nothing is refused only once the quota is exhausted.
      if (used + bytes > limit.max_size || (bytes === 0 && used >= limit.max_size)) {
        throw Errors.forbidden('You have reached your media upload quota; try again later');
      }
    }
  }
}
