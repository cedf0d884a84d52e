/**
 * Push rule evaluation, the per-event hot path of large rooms: every new event is
 * evaluated against the rules of every local member. A typical m.room.message in a
 * room of 10,000 members; figures are evaluations/s (one user, one event) unless the
 * line says otherwise.
 */
import {
  compilePushRules,
  compilePushRuleSet,
  defaultPushRules,
  mergeUserPushRules,
  preparePushEvent,
  type PushEvaluator,
  type PushEventInput,
  type PushRoomContext,
} from '@lattice/core';
import { measure } from './lib/measure.js';

const MEMBERS = 10_000;
const ROOM_ID = '!bigroom:example.org';
const userIds = Array.from({ length: MEMBERS }, (_, i) => `@user${i}:example.org`);

const message: PushEventInput = {
  type: 'm.room.message',
  room_id: ROOM_ID,
  sender: '@sender:example.org',
  event_id: '$Kq0q9mT0fWc5m8vqX7Yd3hY6sN2bC1rE4uJ0pLwQxZc',
  origin_server_ts: 1_718_000_000_000,
  depth: 123_456,
  prev_events: ['$QWpv8Xc0nYz3sF5rT7uV9wB2dE4gH6jK8lM0nO2pQrS'],
  auth_events: ['$a1', '$a2', '$a3'],
  hashes: { sha256: 'KcZ0y8vRkqPn3k3tqH0c2yZ8Jm5oY2Hq3l1sQ9b0aJk' },
  signatures: { 'example.org': { 'ed25519:a_key': 'sig'.repeat(28) } },
  unsigned: { age: 12 },
  content: {
    msgtype: 'm.text',
    body: 'Has anyone looked at the deployment notes for tomorrow? The staging run went fine.',
    'm.mentions': {},
  },
};

const room: PushRoomContext = {
  memberCount: MEMBERS,
  senderPowerLevel: 0,
  notificationPowerLevels: new Map([['room', 50]]),
};

const evaluatorFor = (userId: string, legacyMentionRules = false): PushEvaluator =>
  compilePushRules(mergeUserPushRules(defaultPushRules(userId, { legacyMentionRules }), {}), { userId, displayName: 'Some User' });

const one = evaluatorFor(userIds[0]!);
const oneLegacy = evaluatorFor(userIds[0]!, true);
const prepared = preparePushEvent(message);
const legacyMessage = { ...message, content: { msgtype: 'm.text', body: message.content.body } };
const legacyPrepared = preparePushEvent(legacyMessage);

if (one(prepared, room).ruleId !== '.m.rule.message') throw new Error('unexpected rule');
if (oneLegacy(legacyPrepared, room).ruleId !== '.m.rule.message') throw new Error('unexpected rule');

let sink = 0;
const perCall = 1000;
const rate = measure(`default rules, prepared event (×${perCall})`, () => {
  for (let i = 0; i < perCall; i++) sink += one(prepared, room).notify ? 1 : 0;
});
console.log(`  → ${Math.round(rate * perCall).toLocaleString('en-US')} evaluations/s`);

const legacyRate = measure(`+ legacy body-mention rules (×${perCall})`, () => {
  for (let i = 0; i < perCall; i++) sink += oneLegacy(legacyPrepared, room).notify ? 1 : 0;
});
console.log(`  → ${Math.round(legacyRate * perCall).toLocaleString('en-US')} evaluations/s`);

measure('unprepared event (flattened on each call)', () => {
  sink += one(message, room).notify ? 1 : 0;
});
measure('preparePushEvent (flatten once per event)', () => {
  sink += preparePushEvent(message).flat.size;
});
measure('build + compile one user\'s default rules', () => {
  const userId = userIds[sink % MEMBERS]!;
  sink += compilePushRuleSet(mergeUserPushRules(defaultPushRules(userId), {}), { userId }).userId.length;
});

// The whole fan-out: one event, every member's own compiled rules (as a cache would hold them).
const evaluators = userIds.map((u) => evaluatorFor(u));
const fanOut = measure(`fan-out: prepare + ${MEMBERS.toLocaleString('en-US')} members (bound fns)`, () => {
  const ev = preparePushEvent(message);
  for (let i = 0; i < evaluators.length; i++) sink += evaluators[i]!(ev, room).notify ? 1 : 0;
}, 3);
console.log(`  → ${Math.round(fanOut * MEMBERS).toLocaleString('en-US')} evaluations/s, ${(1000 / fanOut).toFixed(2)} ms per event`);
if (sink === -1) console.log(sink);

const compiledSets = userIds.map((u) => compilePushRuleSet(mergeUserPushRules(defaultPushRules(u), {}), { userId: u }));
const fanOutMethod = measure(`fan-out via CompiledPushRules.evaluate`, () => {
  const ev = preparePushEvent(message);
  for (let i = 0; i < compiledSets.length; i++) sink += compiledSets[i]!.evaluate(ev, room).notify ? 1 : 0;
}, 3);
console.log(`  → ${Math.round(fanOutMethod * MEMBERS).toLocaleString('en-US')} evaluations/s, ${(1000 / fanOutMethod).toFixed(2)} ms per event`);
