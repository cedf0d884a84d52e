/**
 * Event filters on the /sync hot path: compiled matchers over 10,000 events
 * (200 rooms × 50 events), event_fields projection, and filter parsing.
 * Figures are per call; events/s = ops/s × events per call.
 */
import {
  compileEventFields,
  compileFilter,
  parseFilter,
  type FilterableEvent,
  type RoomEventFilter,
} from '@lattice/core';
import { measure } from './lib/measure.js';

const ROOMS = 200;
const PER_ROOM = 50;
const TYPES = ['m.room.message', 'm.room.member', 'm.reaction', 'm.room.encrypted', 'm.call.invite', 'org.example.custom'];

const rooms: Array<{ roomId: string; events: FilterableEvent[] }> = [];
for (let r = 0; r < ROOMS; r++) {
  const events: FilterableEvent[] = [];
  for (let i = 0; i < PER_ROOM; i++) {
    events.push({
      type: TYPES[(r + i) % TYPES.length]!,
      sender: `@user${(r * 7 + i) % 97}:example.org`,
      content: i % 5 === 0 ? { msgtype: 'm.image', url: 'mxc://example.org/abc', body: 'x' } : { body: 'hello' },
    });
  }
  rooms.push({ roomId: `!room${r}:example.org`, events });
}
const TOTAL = ROOMS * PER_ROOM;

const filters: Record<string, RoomEventFilter> = {
  'no filter': {},
  'types exact (3)': { types: ['m.room.message', 'm.room.encrypted', 'm.reaction'] },
  'types prefix m.room.* + not_types': { types: ['m.room.*'], not_types: ['m.room.member'] },
  'inner wildcard m.*.invite': { types: ['m.*.invite', 'm.room.message'] },
  'not_senders (20) + contains_url': {
    not_senders: Array.from({ length: 20 }, (_, i) => `@user${i}:example.org`),
    contains_url: true,
  },
  'everything set': {
    types: ['m.room.*', 'm.reaction'],
    not_types: ['m.room.member'],
    senders: Array.from({ length: 50 }, (_, i) => `@user${i}:example.org`),
    not_senders: ['@user3:example.org'],
    not_rooms: ['!room7:example.org'],
    contains_url: false,
  },
};

let sink = 0;
for (const [name, timeline] of Object.entries(filters)) {
  const compiled = compileFilter({ room: { timeline } });
  const rate = measure(`match ${TOTAL} events: ${name}`, () => {
    for (const room of rooms) {
      for (const event of room.events) if (compiled.timeline(event, room.roomId)) sink++;
    }
  }, 1);
  console.log(`${''.padEnd(48)} ${Math.round((rate * TOTAL) / 1e6)} M events/s`);
}

const sample = { type: 'm.room.message', sender: '@a:x', origin_server_ts: 1, event_id: '$e', content: { body: 'hi', msgtype: 'm.text', 'm.relates_to': { rel_type: 'm.thread' } }, unsigned: { age: 3 } };
const project = compileEventFields(['type', 'sender', 'content.body', 'content.m\\.relates_to']);
measure('project event_fields (4 paths)', () => {
  sink += Object.keys(project(sample)).length;
});

const elementFilter = {
  room: {
    state: { lazy_load_members: true },
    timeline: { limit: 20, unread_thread_notifications: true, not_types: ['m.call.*'] },
    ephemeral: { types: ['m.receipt', 'm.typing'] },
  },
  presence: { not_types: ['*'] },
  event_fields: ['type', 'content', 'sender', 'origin_server_ts', 'event_id', 'unsigned'],
};
measure('parseFilter + compileFilter (client-like)', () => {
  sink += compileFilter(parseFilter(elementFilter)).timelineLimit;
});

if (sink === -1) console.log(sink);
