// Public API of @lattice/media: appended by the modules that define it.
export * from './outbound/cidr-set.js';
export * from './outbound/ip-address.js';
export * from './outbound/address-policy.js';
export * from './outbound/host-resolver.js';
export * from './outbound/outbound-error.js';
export * from './outbound/safe-fetch.js';
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
