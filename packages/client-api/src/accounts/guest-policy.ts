/**
 * What guest accounts may call (spec "Guest Access", Client behaviour): the
 * spec's list, plus the few reads and settings Synapse also opens to guests
 * because clients need them to start (filters, push rules, account data, tags,
 * capabilities, typing, receipts, logout, key changes, TURN servers).
 * Everything else answers 403 M_GUEST_ACCESS_FORBIDDEN. Checked where the
 * access token is resolved, so routes of every package are covered without
 * each opting in.
 */
import { Errors } from '@lattice/core';
import type { Request } from 'express';

const SEG = '[^/]+';

/** [methods, path after /_matrix/client/{version}] */
const GUEST_ROUTES: ReadonlyArray<[string, string]> = [
  // Reading rooms and previews.
  ['GET', `/rooms/${SEG}/state`],
  ['GET', `/rooms/${SEG}/state/${SEG}(/${SEG})?`],
  ['GET', `/rooms/${SEG}/context/${SEG}`],
  ['GET', `/rooms/${SEG}/event/${SEG}`],
  ['GET', `/rooms/${SEG}/messages`],
  ['GET', `/rooms/${SEG}/members`],
  ['GET', `/rooms/${SEG}/initialSync`],
  ['GET', '/sync'],
  ['GET', '/events'],
  ['GET', `/media/(download|thumbnail)/${SEG}/${SEG}(/${SEG})?`],
  // Sending.
  ['POST', `/rooms/${SEG}/(join|leave)`],
  // Synapse lets guests join by id or alias too: it is the same join.
  ['POST', `/join/${SEG}`],
  ['PUT', `/rooms/${SEG}/send/${SEG}/${SEG}`],
  ['PUT', `/rooms/${SEG}/state/${SEG}(/${SEG})?`],
  ['PUT', `/sendToDevice/${SEG}/${SEG}`],
  // Own account.
  ['PUT|DELETE', `/profile/${SEG}/displayname`],
  ['GET', '/devices'],
  ['GET|PUT', `/devices/${SEG}`],
  ['GET', '/account/whoami'],
  ['POST', '/keys/(upload|query|claim)'],
  // Synapse's extras (see above).
  ['GET|POST', `/user/${SEG}/filter(/${SEG})?`],
  ['GET', '/pushrules(/.*)?'],
  ['GET|PUT', `/user/${SEG}/(rooms/${SEG}/)?account_data/${SEG}`],
  ['GET|PUT|DELETE', `/user/${SEG}/rooms/${SEG}/tags(/${SEG})?`],
  ['GET', '/capabilities'],
  ['PUT', `/rooms/${SEG}/typing/${SEG}`],
  ['POST', `/rooms/${SEG}/(receipt/${SEG}/${SEG}|read_markers)`],
  ['POST', '/logout'],
  // Crypto clients follow device list changes; TURN: turn_allow_guests decides there.
  ['GET', '/keys/changes'],
  ['GET', '/voip/turnServer'],
];

const PATTERNS = GUEST_ROUTES.map(([methods, path]) => ({
  methods: new Set(methods.split('|')),
  path: new RegExp(`^/_matrix/client/(r0|v1|v3)${path}/?$`),
}));

export function guestMayUse(method: string, path: string): boolean {
  // HEAD is GET without the body.
  const m = method === 'HEAD' ? 'GET' : method;
  return PATTERNS.some((p) => p.methods.has(m) && p.path.test(path));
}

/** Throws 403 M_GUEST_ACCESS_FORBIDDEN unless a guest may call this endpoint. */
export function assertGuestMayUse(req: Request): void {
  const path = req.originalUrl.split('?', 1)[0]!;
  if (!guestMayUse(req.method, path)) throw Errors.guestAccessForbidden();
}
