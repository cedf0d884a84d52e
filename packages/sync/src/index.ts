// Public API of @lattice/sync: appended by the modules that define it.
export * from './router.js';
export { createSyncServices, type SyncServices } from './services.js';
export type { SyncContribution, SyncExtension, SyncExtensionRequest } from './sync/extensions.js';
