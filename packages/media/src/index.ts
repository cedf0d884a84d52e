// Public API of @lattice/media: appended by the modules that define it.
export * from './media-router.js';
export * from './media-repository.js';
export * from './mxc.js';
export * from './http/serving-headers.js';
export * from './preview/html-head.js';
export * from './preview/charset.js';
export * from './preview/opengraph.js';
export * from './preview/url-blacklist.js';
export * from './preview/preview-cache.js';
export * from './preview/url-previewer.js';
export * from './preview/preview-router.js';
export { RemoteMediaCache, type RemoteContent } from './remote/remote-media-cache.js';
export type { FetchLimits, RawAnswer, RemoteMediaTransport } from './remote/remote-media-transport.js';
export { MediaDeletion, type OldMediaQuery } from './moderation/media-deletion.js';
export * from './moderation/media-moderation.js';
export { findLocalMedia, type LocalMedia } from './store/media-rows.js';
