/** matrix-js-sdk against the push module: notification counts from /sync, push rules read and changed through the SDK. */
import { NotificationCountType, PushRuleKind, createClient, type MatrixClient } from 'matrix-js-sdk';
import { startSyncing } from '../../../tests/support/matrix-client.js';
import { createRoom, joinRoom, sendEvent, sendMessage } from '../../client-api/test/support/rooms.js';
import { startPushTestServer, type PushTestServer } from './support/push-server.js';

async function until(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('matrix-js-sdk with push', () => {
  let hs: PushTestServer;
  let client: MatrixClient | undefined;
  beforeAll(async () => {
    hs = await startPushTestServer('pglite');
  });
  afterAll(async () => {
    client?.stopClient();
    await hs.close();
  });

  test('notification and highlight counts, and push rules changed through the SDK', async () => {
    const alice = await hs.createUser('alice');
    const bob = await hs.createUser('bob');
    const carol = await hs.createUser('carol');
    const roomId = await createRoom(hs, bob, { preset: 'public_chat', name: 'Counts' });
    await joinRoom(hs, alice, roomId);
    await joinRoom(hs, carol, roomId);

    client = createClient({ baseUrl: hs.url, accessToken: alice.access_token, userId: alice.user_id, deviceId: alice.device_id });
    await startSyncing(client);
    expect(client.pushRules?.global.override?.[0]?.rule_id).toBe('.m.rule.master');
    const room = client.getRoom(roomId)!;
    const counts = () => [room.getUnreadNotificationCount(NotificationCountType.Total), room.getUnreadNotificationCount(NotificationCountType.Highlight)];
    expect(counts()).toEqual([0, 0]);

    await sendMessage(hs, bob, roomId, 'one');
    await sendEvent(hs, bob, roomId, 'm.room.message', { msgtype: 'm.text', body: 'hey', 'm.mentions': { user_ids: [alice.user_id] } });
    await until('counts 2/1', () => counts()[0] === 2 && counts()[1] === 1);

    // Silence carol through the SDK: the new rule comes back as m.push_rules account data.
    await client.addPushRule('global', PushRuleKind.SenderSpecific, carol.user_id, { actions: [] });
    await until('the sender rule in client.pushRules', () => client!.pushRules?.global.sender?.some((r) => r.rule_id === carol.user_id) === true);
    await sendMessage(hs, carol, roomId, 'from carol');
    await sendMessage(hs, bob, roomId, 'from bob');
    await until('count 3', () => counts()[0] === 3);
    expect(counts()).toEqual([3, 1]);

    await client.setPushRuleEnabled('global', PushRuleKind.Override, '.m.rule.master', true);
    await until('master enabled in client.pushRules', () => client!.pushRules?.global.override?.find((r) => r.rule_id === '.m.rule.master')?.enabled === true);
  });
});
