/**
 * resolveStateSliced runs the same resolution as resolveState, handing the event
 * loop back between slices.
 */
import { getRoomVersion } from '../../src/room-versions.js';
import { resolveState, resolveStateSliced } from '../../src/state-res/resolve.js';
import { ALICE, initialRoom, member } from './room-dag.js';

const v12 = getRoomVersion('12')!;

function forkedRoom() {
  const dag = initialRoom(v12);
  for (let i = 0; i < 150; i++) dag.add(`J${i}`, member(`@u${i}:example.org`, 'join'));
  const users: Record<string, number> = {};
  for (let i = 0; i < 40; i++) users[`@u${i}:example.org`] = 50;
  dag.add('PA', { type: 'm.room.power_levels', sender: ALICE, state_key: '', content: { users } });
  // Fork A: moderators ban some joiners; fork B: members change their display names.
  for (let i = 40; i < 95; i++) dag.add(`K${i}`, member(`@u${i}:example.org`, 'ban', `@u${i % 40}:example.org`));
  dag.add('TA', { type: 'm.room.topic', sender: ALICE, state_key: '', content: { topic: 'a' } });
  dag.add('N0', { ...member('@u60:example.org', 'join'), prev: ['PA'] });
  for (let i = 61; i < 150; i++) dag.add(`N${i}`, member(`@u${i}:example.org`, 'join'));
  return { dag, sets: [dag.state('TA'), dag.state('N149')] };
}

test('sliced and synchronous resolution agree', async () => {
  const { dag, sets } = forkedRoom();
  const sync = resolveState(v12, sets, dag.getEvent);
  // The bans win over the later display-name joins of the same users.
  expect(dag.nameAt(sync, 'm.room.member', '@u70:example.org')).toBe('K70');
  expect(dag.nameAt(sync, 'm.room.member', '@u120:example.org')).toBe('N120');
  expect(await resolveStateSliced(v12, sets, dag.getEvent)).toEqual(sync);
});

test('the sliced resolution gives the event loop back', async () => {
  const { dag, sets } = forkedRoom();
  let turns = 0;
  let running = true;
  const tick = (): void => {
    turns++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  // sliceMs 0: give the loop back at every checkpoint.
  const result = resolveStateSliced(v12, sets, dag.getEvent, 0);
  const before = turns;
  await result;
  running = false;
  expect(turns - before).toBeGreaterThan(10);
});
