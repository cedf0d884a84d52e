// Public API of @lattice/e2ee: appended by the modules that define it.
export { createE2ee, type E2ee } from './router.js';
export { createE2eeServices, type E2eeServices, type E2eeServicesOptions } from './services.js';
export * from './keys/remote-keys.js';
export { E2eeSyncExtension, TO_DEVICE_LIMIT } from './sync/e2ee-sync-extension.js';
export { DEHYDRATION_PREFIX } from './routes/dehydrated-device.js';
export { deliverToDevice, type Delivery } from './to-device/deliver.js';
export type { OutgoingMessage } from './stores/device-inbox.js';
export { announceDeviceListChange, recordDeviceListChange, type DeviceListChange } from './device-lists/device-list-changes.js';
export { queryLocalKeys, type LocalKeysResult } from './keys/key-query.js';
export { claimKeys, type ClaimRequest, type ClaimedKey } from './stores/key-claims.js';
