import {
  compilePushRules,
  defaultPushRules,
  type PushEventInput,
  type PushRoomContext,
  type PushRuleSet,
} from '../../src/push/index.js';

export const ALICE = '@alice:example.org';
export const BOB = '@bob:example.org';
export const ROOM = '!room:example.org';

export function event(type: string, content: Record<string, unknown>, extra: Partial<PushEventInput> = {}): PushEventInput {
  return { type, content, sender: BOB, room_id: ROOM, event_id: '$e', origin_server_ts: 1, ...extra };
}

export function text(body: string, extraContent: Record<string, unknown> = {}): PushEventInput {
  return event('m.room.message', { msgtype: 'm.text', body, ...extraContent });
}

export function room(overrides: Partial<PushRoomContext> = {}): PushRoomContext {
  return { memberCount: 10, senderPowerLevel: 0, notificationPowerLevels: new Map(), ...overrides };
}

/** The rule that decides `ev` for Alice under `rules` (default: the spec's defaults). */
export function decide(
  ev: PushEventInput,
  roomCtx: PushRoomContext = room(),
  rules: PushRuleSet = defaultPushRules(ALICE),
  displayName?: string,
) {
  return compilePushRules(rules, { userId: ALICE, displayName })(ev, roomCtx);
}
