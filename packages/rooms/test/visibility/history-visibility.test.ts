/** The pure history visibility rules (client-server "Room History Visibility", server behaviour). */
import { historyVisibilityOf, visibilityAllows } from '../../src/visibility/history-visibility.js';

describe('historyVisibilityOf', () => {
  test('known values are kept; absent or unknown values mean shared', () => {
    for (const v of ['world_readable', 'shared', 'invited', 'joined']) expect(historyVisibilityOf(v)).toBe(v);
    for (const v of [undefined, null, 'public', 42, '', 'JOINED']) expect(historyVisibilityOf(v)).toBe('shared');
  });
});

describe('visibilityAllows', () => {
  const cases: Array<[string, string | undefined, boolean, boolean]> = [
    // visibility, membership at the event, joined after it, allowed
    ['world_readable', undefined, false, true],
    ['world_readable', 'leave', false, true],
    ['joined', 'join', false, true],
    ['joined', 'invite', false, false],
    ['joined', undefined, true, false],
    ['joined', 'leave', true, false],
    ['shared', undefined, true, true],
    ['shared', undefined, false, false],
    ['shared', 'leave', false, false],
    ['shared', 'invite', false, false],
    ['shared', 'join', false, true],
    ['invited', 'invite', false, true],
    ['invited', 'join', false, true],
    ['invited', 'knock', false, false],
    ['invited', undefined, true, false],
    ['invited', 'ban', false, false],
  ];
  test.each(cases)('%s with membership %s (joined after: %s) → %s', (visibility, membership, joinedAfter, allowed) => {
    expect(visibilityAllows({ visibility: historyVisibilityOf(visibility), membership, joinedAfter })).toBe(allowed);
  });
});
