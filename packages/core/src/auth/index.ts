// The public API of the auth rules (internal helpers such as the id checks stay private,
// so that names do not clash with other modules re-exported from the package index).
export type { StateLookup, AuthDecision, AuthOptions } from './types.js';
export {
  POWER_LEVEL_KEYS,
  DEFAULT_POWER_LEVELS,
  parsePowerLevelValue,
  parsePowerLevels,
  powerLevelsOf,
  effectivePowerLevels,
  roomCreatorOf,
  isRoomCreator,
  roomCreators,
  powerLevelFor,
  userPowerLevel,
  requiredPowerForEvent,
  notificationPowerLevel,
  listedCreator,
  powerLevelsContentError,
  type PowerLevelKey,
  type PowerLevels,
} from './power-levels.js';
export { authorizeCreateEvent, roomIdOfCreateEvent, isRoomIdOfCreateEvent } from './create-event.js';
export { authEventKeys, checkAuthEventsList, type AuthEventsSubject } from './auth-events.js';
export { membershipOf } from './membership.js';
export { verifyThirdPartyInviteSignature, thirdPartyInvitePublicKeys } from './third-party-invite.js';
export { authorizeEvent } from './authorize.js';
