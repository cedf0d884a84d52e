/**
 * A persister and store over a fresh migrated database (PostgreSQL or PGlite)
 * and the in-process replication hub, with a pinned clock.
 */
import {
  createLogger,
  generateSigningKey,
  getRoomVersion,
  type HomeserverConfig,
  type RoomVersion,
} from '@lattice/core';
import { InProcessTransport, createReplicationHub, type ReplicationHub, type StreamUpdate } from '@lattice/replication';
import { createTestDatabase, type Database } from '@lattice/storage';
import { createRooms, type Rooms, type SendResult } from '@lattice/rooms';

export const SERVER = 'test.local';

export interface Harness extends Rooms {
  db: Database;
  hub: ReplicationHub;
  /** Every events-stream update the hub delivered. */
  updates: StreamUpdate[];
  now: { value: number };
  close(): Promise<void>;
}

export async function harness(kind: Database['kind']): Promise<Harness> {
  const db = await createTestDatabase(kind);
  const logger = createLogger({ level: 'fatal' });
  const hub = await createReplicationHub({ db, transport: new InProcessTransport(), instanceName: 'persister1', logger });
  const updates: StreamUpdate[] = [];
  hub.onUpdate('events', (u) => updates.push(u));
  const now = { value: 1_700_000_000_000 };
  const rooms = createRooms({
    db,
    config: { server_name: SERVER } as HomeserverConfig,
    signingKey: generateSigningKey('test'),
    instanceName: 'persister1',
    hub,
    logger,
    clock: () => now.value,
  });
  return {
    ...rooms,
    db,
    hub,
    updates,
    now,
    close: async () => {
      rooms.close();
      await hub.close();
      await db.close();
    },
  };
}

export const alice = `@alice:${SERVER}`;
export const bob = `@bob:${SERVER}`;
export const carol = `@carol:${SERVER}`;

export function version(id: string): RoomVersion {
  return getRoomVersion(id)!;
}

/** A public room created by alice: her join, power levels (alice 100, redact 50), public join rule. */
export async function publicRoom(h: Harness, versionId = '11', extraUsers: Record<string, number> = {}): Promise<{ roomId: string; events: SendResult[] }> {
  const v = version(versionId);
  const users: Record<string, number> = { ...(v.privilegedCreators ? {} : { [alice]: 100 }), ...extraUsers };
  return h.persister.createRoom({
    version: v,
    creator: alice,
    createContent: {},
    then: [
      { type: 'm.room.member', state_key: alice, sender: alice, content: { membership: 'join', displayname: 'Alice' } },
      { type: 'm.room.power_levels', state_key: '', sender: alice, content: { users, redact: 50 } },
      { type: 'm.room.join_rules', state_key: '', sender: alice, content: { join_rule: 'public' } },
      { type: 'm.room.history_visibility', state_key: '', sender: alice, content: { history_visibility: 'shared' } },
    ],
  });
}

export async function count(db: Database, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return rows[0]!.n;
}
