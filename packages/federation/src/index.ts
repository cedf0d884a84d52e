// Public API of @lattice/federation: appended by the modules that define it.
export * from './api.js';
