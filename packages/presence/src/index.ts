// Public API of @lattice/presence: appended by the modules that define it.
export * from './presence/presence-state.js';
export * from './presence/presence-rules.js';
export type { PresenceOutbound } from './presence/presence-outbound.js';
export { PresenceService, type PresenceServiceOptions } from './presence/presence-service.js';
export { PresenceSyncExtension } from './presence/presence-sync-extension.js';
export { presenceRouter } from './presence/presence-router.js';
export { turnCredentials, timeLimitedTurnPassword, type TurnCredentials } from './voip/turn-credentials.js';
export { voipRouter } from './voip/voip-router.js';
export { OPENID_TOKEN_LIFETIME_MS, issueOpenIdToken, openIdTokenOwner } from './openid/openid-tokens.js';
export { openIdRouter } from './openid/openid-router.js';
export { OPENID_USERINFO_PATH, openIdUserInfoRouter } from './openid/openid-userinfo-router.js';
export { createPresenceFeatures, type PresenceFeatures, type PresenceFeaturesOptions } from './client-features.js';
export { storeRemotePresence } from './presence/remote-presence.js';
export { loadPresence, presenceOfCoMembers } from './presence/presence-store.js';
export type { PresenceWriterLink } from './presence/presence-writer-link.js';
