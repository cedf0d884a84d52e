/**
 * Thumbnail geometry (spec "Thumbnails"). A request is normalised to a key (the
 * box actually generated, so many requests share one cached file), then the
 * output size follows from the source size: never upscaled, never smaller than
 * the box unless the source is.
 */
import type { ThumbnailKey } from '../store/media-paths.js';

export type ThumbnailMethod = 'crop' | 'scale';

export interface ThumbnailRequest {
  width: number;
  height: number;
  method: ThumbnailMethod;
  /** The client's `animated`; absent means "SHOULD NOT animate". */
  animated: boolean | undefined;
}

export interface Size {
  width: number;
  height: number;
}

/** The spec's recommended "scale" sizes; "crop" keeps the requested aspect, so it uses the request itself. */
const SCALE_BOXES: readonly Size[] = [
  { width: 320, height: 240 },
  { width: 640, height: 480 },
  { width: 800, height: 600 },
];

export function thumbnailKey(req: ThumbnailRequest): ThumbnailKey {
  let box: Size = { width: req.width, height: req.height };
  if (req.method === 'scale') box = SCALE_BOXES.find((b) => b.width >= req.width && b.height >= req.height) ?? box;
  return { ...box, method: req.method, animated: req.animated === true };
}

/**
 * "scale": the largest size with the source's aspect that fits the box (the
 * source itself if it already fits). "crop": exactly the box when the source
 * covers it, else the largest box-shaped region of the source.
 */
export function outputSize(key: ThumbnailKey, source: Size): Size {
  const { width: sw, height: sh } = source;
  const { width: bw, height: bh } = key;
  if (key.method === 'scale') {
    if (sw <= bw && sh <= bh) return source;
    const f = Math.min(bw / sw, bh / sh);
    return { width: Math.max(1, Math.round(sw * f)), height: Math.max(1, Math.round(sh * f)) };
  }
  if (sw >= bw && sh >= bh) return { width: bw, height: bh };
  // Source wider than the box's aspect: keep its full height, trim the width.
  if (sw * bh > sh * bw) return { width: Math.max(1, Math.round((sh * bw) / bh)), height: sh };
  return { width: sw, height: Math.max(1, Math.round((sw * bh) / bw)) };
}
