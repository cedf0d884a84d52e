/**
 * Registry of room versions 1–12: every rule difference between versions is a
 * field here, so code asks "does this version do X" instead of comparing ids.
 * Source: ../shared/matrix-spec/content/rooms/v1.md … v12.md.
 */

/** How event ids are formed: v1 = `$local:server` carried in the event;
 *  v3 = `$` + standard unpadded base64 of the reference hash (room v3);
 *  v4 = `$` + URL-safe unpadded base64 of the reference hash (room v4+). */
export type EventIdFormat = 'v1' | 'v3' | 'v4';

/** Redaction algorithm generations (the version that introduced each change). */
export type RedactionAlgorithm = 'v1' | 'v6' | 'v8' | 'v9' | 'v11';

export type StateResolutionAlgorithm = 'v1' | 'v2' | 'v2.1';

export interface RoomVersion {
  readonly id: string;
  readonly stable: boolean;
  readonly eventIdFormat: EventIdFormat;
  readonly redaction: RedactionAlgorithm;
  readonly stateResolution: StateResolutionAlgorithm;
  /** v1–v2: auth rule for m.room.redaction checks the redacts domain (moved to delivery in v3). */
  readonly redactionAuthCheck: boolean;
  /** v5+: signing keys must be valid (valid_until_ts) at the event's origin_server_ts. */
  readonly enforceKeyValidity: boolean;
  /** v1–v5: m.room.aliases has its own auth rule (state_key must be the sender's domain). */
  readonly specialCaseAliasesAuth: boolean;
  /** v6+: canonical JSON rejects floats and integers outside ±(2^53−1). */
  readonly strictCanonicalJson: boolean;
  /** v6+: the `notifications` key of power levels is subject to the power level checks. */
  readonly limitNotificationsPowerLevels: boolean;
  /** v7+: `knock` join rule and membership. */
  readonly knockJoinRule: boolean;
  /** v8+: `restricted` join rule and join_authorised_via_users_server. */
  readonly restrictedJoinRule: boolean;
  /** v10+: `knock_restricted` join rule. */
  readonly knockRestrictedJoinRule: boolean;
  /** v10+: power level values must be JSON integers (no strings). */
  readonly enforceIntPowerLevels: boolean;
  /** v11+: the room creator is the create event's sender; content.creator is not used. */
  readonly implicitRoomCreator: boolean;
  /** v11+: m.room.redaction carries `redacts` inside content. */
  readonly redactsInContent: boolean;
  /** v12: the room id is `!` + URL-safe reference hash of the create event (which has no room_id). */
  readonly roomIdFromCreateEvent: boolean;
  /** v12: creators (sender + content.additional_creators) have infinite power and are not listed in power levels. */
  readonly privilegedCreators: boolean;
}

const v1: RoomVersion = {
  id: '1',
  stable: true,
  eventIdFormat: 'v1',
  redaction: 'v1',
  stateResolution: 'v1',
  redactionAuthCheck: true,
  enforceKeyValidity: false,
  specialCaseAliasesAuth: true,
  strictCanonicalJson: false,
  limitNotificationsPowerLevels: false,
  knockJoinRule: false,
  restrictedJoinRule: false,
  knockRestrictedJoinRule: false,
  enforceIntPowerLevels: false,
  implicitRoomCreator: false,
  redactsInContent: false,
  roomIdFromCreateEvent: false,
  privilegedCreators: false,
};
const v2: RoomVersion = { ...v1, id: '2', stateResolution: 'v2' };
const v3: RoomVersion = { ...v2, id: '3', eventIdFormat: 'v3', redactionAuthCheck: false };
const v4: RoomVersion = { ...v3, id: '4', eventIdFormat: 'v4' };
const v5: RoomVersion = { ...v4, id: '5', enforceKeyValidity: true };
const v6: RoomVersion = {
  ...v5,
  id: '6',
  redaction: 'v6',
  specialCaseAliasesAuth: false,
  strictCanonicalJson: true,
  limitNotificationsPowerLevels: true,
};
const v7: RoomVersion = { ...v6, id: '7', knockJoinRule: true };
const v8: RoomVersion = { ...v7, id: '8', redaction: 'v8', restrictedJoinRule: true };
const v9: RoomVersion = { ...v8, id: '9', redaction: 'v9' };
const v10: RoomVersion = { ...v9, id: '10', knockRestrictedJoinRule: true, enforceIntPowerLevels: true };
const v11: RoomVersion = { ...v10, id: '11', redaction: 'v11', implicitRoomCreator: true, redactsInContent: true };
const v12: RoomVersion = {
  ...v11,
  id: '12',
  stateResolution: 'v2.1',
  roomIdFromCreateEvent: true,
  privilegedCreators: true,
};

export const ROOM_VERSIONS: ReadonlyMap<string, RoomVersion> = new Map(
  [v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12].map((v) => [v.id, v]),
);

/** The spec says servers SHOULD default to v12; operators may choose another (config `default_room_version`). */
export const DEFAULT_ROOM_VERSION = '12';

export function getRoomVersion(id: string): RoomVersion | undefined {
  return ROOM_VERSIONS.get(id);
}
