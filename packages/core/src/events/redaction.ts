/**
 * The redaction algorithm (rooms/v*.md "Redactions"): which top-level keys and
 * which content keys survive. It decides what signatures and reference hashes
 * cover, so every room version's list must be exact.
 */
import type { RedactionAlgorithm, RoomVersion } from '../room-versions.js';
import type { PDU } from './pdu.js';

const TOP_LEVEL_V1 = [
  'event_id', 'type', 'room_id', 'sender', 'state_key', 'content', 'hashes', 'signatures',
  'depth', 'prev_events', 'prev_state', 'auth_events', 'origin', 'origin_server_ts', 'membership',
];
// v11 stops protecting origin, membership and prev_state.
const TOP_LEVEL_V11 = TOP_LEVEL_V1.filter((k) => k !== 'origin' && k !== 'membership' && k !== 'prev_state');

const POWER_LEVELS_V1 = ['ban', 'events', 'events_default', 'kick', 'redact', 'state_default', 'users', 'users_default'];

/** Content keys kept per event type, per algorithm; `'all'` keeps the whole content. */
type ContentRules = Readonly<Record<string, readonly string[] | 'all'>>;

const CONTENT_V1: ContentRules = {
  'm.room.member': ['membership'],
  'm.room.create': ['creator'],
  'm.room.join_rules': ['join_rule'],
  'm.room.power_levels': POWER_LEVELS_V1,
  'm.room.aliases': ['aliases'],
  'm.room.history_visibility': ['history_visibility'],
};
// v6: m.room.aliases no longer protected.
const CONTENT_V6: ContentRules = Object.fromEntries(Object.entries(CONTENT_V1).filter(([type]) => type !== 'm.room.aliases'));
// v8: join rules keep `allow` (restricted rooms).
const CONTENT_V8: ContentRules = { ...CONTENT_V6, 'm.room.join_rules': ['join_rule', 'allow'] };
// v9: joins keep the authorising user.
const CONTENT_V9: ContentRules = { ...CONTENT_V8, 'm.room.member': ['membership', 'join_authorised_via_users_server'] };
// v11: whole create content, `invite` in power levels, `redacts` in redactions
// (member third_party_invite.signed is special-cased in redactContent).
const CONTENT_V11: ContentRules = {
  ...CONTENT_V9,
  'm.room.create': 'all',
  'm.room.power_levels': [...POWER_LEVELS_V1, 'invite'],
  'm.room.redaction': ['redacts'],
};

interface Algorithm {
  topLevel: readonly string[];
  content: ContentRules;
  keepThirdPartyInviteSigned: boolean;
}

const ALGORITHMS: Record<RedactionAlgorithm, Algorithm> = {
  v1: { topLevel: TOP_LEVEL_V1, content: CONTENT_V1, keepThirdPartyInviteSigned: false },
  v6: { topLevel: TOP_LEVEL_V1, content: CONTENT_V6, keepThirdPartyInviteSigned: false },
  v8: { topLevel: TOP_LEVEL_V1, content: CONTENT_V8, keepThirdPartyInviteSigned: false },
  v9: { topLevel: TOP_LEVEL_V1, content: CONTENT_V9, keepThirdPartyInviteSigned: false },
  v11: { topLevel: TOP_LEVEL_V11, content: CONTENT_V11, keepThirdPartyInviteSigned: true },
};

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** The redacted copy of a PDU for the room version (the input is not modified).
 *  Works on any event-shaped object, including ones that fail format checks. */
export function redactPdu<T extends PDU>(pdu: T, roomVersion: RoomVersion): PDU {
  const algorithm = ALGORITHMS[roomVersion.redaction];
  const out: Record<string, unknown> = {};
  for (const key of algorithm.topLevel) {
    if (hasOwn(pdu, key)) out[key] = pdu[key];
  }
  out.content = redactContent(pdu.type, pdu.content, algorithm);
  return out as PDU;
}

function redactContent(type: unknown, content: unknown, algorithm: Algorithm): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof content !== 'object' || content === null || Array.isArray(content)) return out;
  const source = content as Record<string, unknown>;
  const rule = typeof type === 'string' && hasOwn(algorithm.content, type) ? algorithm.content[type] : undefined;
  if (rule === 'all') return { ...source };
  if (rule !== undefined) {
    for (const key of rule) if (hasOwn(source, key)) out[key] = source[key];
  }
  if (algorithm.keepThirdPartyInviteSigned && type === 'm.room.member') {
    const invite = source.third_party_invite;
    if (typeof invite === 'object' && invite !== null && hasOwn(invite, 'signed')) {
      out.third_party_invite = { signed: (invite as Record<string, unknown>).signed };
    }
  }
  return out;
}
