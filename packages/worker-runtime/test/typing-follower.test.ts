/** Workers that do not own typing follow it from the typing stream's rows (the owner publishes each room's typers). */
import pino from 'pino';
import { MatrixError } from '@lattice/core';
import { InProcessTransport, TypingManager, createReplicationHub, type ReplicationHub } from '@lattice/replication';
import { createTestDatabase, type Database } from '@lattice/storage';
import { TypingFollower } from '../src/typing-follower.js';

const ROOM = '!room:test';

describe('TypingFollower', () => {
  let db: Database;
  const hubs: ReplicationHub[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
  });
  afterAll(async () => {
    await Promise.all(hubs.map((h) => h.close()));
    await db.close();
  });

  it('sees who types where, with the positions of the changes, and refuses typing updates', async () => {
    const transport = new InProcessTransport();
    const logger = pino({ level: 'silent' });
    const owner = await createReplicationHub({ db, transport, instanceName: 'owner', logger, writes: [], writesTyping: true });
    const reader = await createReplicationHub({ db, transport, instanceName: 'reader', logger, writes: [], writesTyping: false });
    hubs.push(owner, reader);
    const typing = new TypingManager(owner.memoryWriter('typing'));
    const follower = new TypingFollower(reader, 'owner');

    typing.setTyping(ROOM, '@alice:test', true, 10_000);
    typing.setTyping(ROOM, '@bob:test', true, 10_000);
    expect(follower.typingUsers(ROOM)).toEqual(['@alice:test', '@bob:test']);
    expect(follower.position).toBe(2);
    expect(follower.roomsChangedSince(0)).toEqual([ROOM]);
    expect(follower.roomsChangedSince(2)).toEqual([]);

    typing.setTyping(ROOM, '@alice:test', false);
    expect(follower.typingUsers(ROOM)).toEqual(['@bob:test']);
    expect(follower.roomsChangedSince(2)).toEqual([ROOM]);
    // A token from before the owner restarted (ahead of the stream): every followed room is reported.
    expect(follower.roomsChangedSince(99)).toEqual([ROOM]);

    expect(() => follower.setTyping()).toThrow(MatrixError);
    typing.close();
    follower.close();
  });
});
