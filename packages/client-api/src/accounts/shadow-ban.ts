/**
 * Shadow-bans (Synapse's admin API): a shadow-banned user's messages, state
 * changes, redactions and invites answer as if they had worked — with an
 * event id of the right shape — but nothing is persisted, so nobody else ever
 * sees them. Rooms they create are made, without the invites. The user is
 * meant to take long to notice, so the answers look like real ones.
 */
import { randomBytes } from 'node:crypto';
import type { Requester } from '../http/request-types.js';

export function isShadowBanned(requester: Requester): boolean {
  return requester.shadowBanned === true;
}

/** An event id like those of room versions 4 and later ('$' and 43 url-safe base64 characters). */
export function fakeEventId(): string {
  return '$' + randomBytes(32).toString('base64url');
}
