/** Pure pieces: thumbnail geometry, Content-Disposition encoding, store paths. */
import { MediaPaths } from '../src/store/media-paths.js';
import { outputSize, thumbnailKey } from '../src/thumbnails/thumbnail-size.js';
import { contentDisposition, isInlineSafe } from '@lattice/media';

describe('thumbnail geometry', () => {
  test('scale requests map to the smallest covering standard box, else the request itself', () => {
    expect(thumbnailKey({ width: 100, height: 300, method: 'scale', animated: undefined })).toEqual({ width: 640, height: 480, method: 'scale', animated: false });
    expect(thumbnailKey({ width: 900, height: 100, method: 'scale', animated: true })).toEqual({ width: 900, height: 100, method: 'scale', animated: true });
    expect(thumbnailKey({ width: 50, height: 20, method: 'crop', animated: false })).toEqual({ width: 50, height: 20, method: 'crop', animated: false });
  });

  test('output never upscales and crop keeps the requested aspect', () => {
    const crop = (width: number, height: number) => ({ width, height, method: 'crop' as const, animated: false });
    const scale = (width: number, height: number) => ({ width, height, method: 'scale' as const, animated: false });
    expect(outputSize(scale(320, 240), { width: 4000, height: 1000 })).toEqual({ width: 320, height: 80 });
    expect(outputSize(scale(320, 240), { width: 100, height: 100 })).toEqual({ width: 100, height: 100 });
    expect(outputSize(crop(96, 96), { width: 4000, height: 1000 })).toEqual({ width: 96, height: 96 });
    // Smaller than the box: the largest 2:1 region of a 300×500 source.
    expect(outputSize(crop(800, 400), { width: 300, height: 500 })).toEqual({ width: 300, height: 150 });
    expect(outputSize(crop(400, 800), { width: 500, height: 300 })).toEqual({ width: 150, height: 300 });
  });
});

describe('Content-Disposition', () => {
  test('plain names are quoted and escaped; others use RFC 8187', () => {
    expect(contentDisposition('inline', undefined)).toBe('inline');
    expect(contentDisposition('attachment', 'a "b" \\c.txt')).toBe('attachment; filename="a \\"b\\" \\\\c.txt"');
    expect(contentDisposition('attachment', 'line\nbreak')).toBe("attachment; filename*=utf-8''line%0Abreak");
    expect(contentDisposition('inline', "it's (1)*.png")).toBe('inline; filename="it\'s (1)*.png"');
    expect(contentDisposition('inline', "ü'(1)*")).toBe("inline; filename*=utf-8''%C3%BC%27%281%29%2A");
  });

  test('only the spec list is inline-safe, parameters and case ignored', () => {
    expect(isInlineSafe('Image/PNG; x=y')).toBe(true);
    expect(isInlineSafe('text/html')).toBe(false);
    expect(isInlineSafe('image/svg+xml')).toBe(false);
  });
});

describe('media store paths', () => {
  const paths = new MediaPaths('/srv/media');
  test('fan out validated ids under the root', () => {
    expect(paths.localContent('abcdefXYZ')).toBe('/srv/media/local_content/ab/cd/efXYZ');
    expect(paths.localThumbnail('abcdefXYZ', { width: 32, height: 32, method: 'crop', animated: true })).toBe(
      '/srv/media/local_thumbnails/ab/cd/efXYZ/32-32-crop-animated',
    );
  });
  test('refuse anything else', () => {
    for (const bad of ['../../etc', 'ab/cd/ef', 'abc', 'abcd%2Fef', 'abcdé']) expect(() => paths.localContent(bad)).toThrow();
  });
});
