import { generateKeyPairSync, sign } from 'node:crypto';
import { canonicalJsonBytes } from '../../src/json/canonical-json.js';
import { encodeBase64 } from '../../src/encoding/base64.js';
import type { RoomVersion } from '../../src/room-versions.js';
import { ALICE, ALL_VERSIONS, BOB, CAROL, DAVE, Room, expectAllowed, expectRejected, standardLevels, v, versionsWhere } from './builder.js';

const each = (versions: RoomVersion[]) => versions.map((r) => [r.id, r] as const);
const join = (user: string, extra: Record<string, unknown> = {}) => ({
  type: 'm.room.member',
  state_key: user,
  sender: user,
  content: { membership: 'join', ...extra },
});

describe('m.room.member: malformed', () => {
  test.each(each(ALL_VERSIONS))('v%s: no state_key, no membership, or an unknown membership is rejected', (_id, version) => {
    const room = Room.started(version).joinRule('public');
    expectRejected(room.check({ type: 'm.room.member', sender: BOB, content: { membership: 'join' } }), /state_key/);
    expectRejected(room.check({ type: 'm.room.member', state_key: BOB, sender: BOB, content: {} }), /membership/);
    expectRejected(room.check({ type: 'm.room.member', state_key: BOB, sender: BOB, content: { membership: 'dance' } }), /unknown/);
  });
});

describe('join', () => {
  test.each(each(ALL_VERSIONS))('v%s: the creator may join right after the create event', (_id, version) => {
    const room = new Room(version);
    expectAllowed(room.check({ ...join(ALICE), prev_events: [room.create.event_id] }));
  });

  test.each(each(ALL_VERSIONS))('v%s: the first-join exception needs the create event as the only prev event', (_id, version) => {
    const room = new Room(version);
    expectRejected(room.check({ ...join(ALICE), prev_events: [room.create.event_id, '$other:a.example'] }));
    expectRejected(room.check({ ...join(ALICE), prev_events: ['$other:a.example'] }));
  });

  test.each(each(versionsWhere((r) => !r.implicitRoomCreator)))('v%s: the creator is content.creator', (_id, version) => {
    const room = new Room(version, ALICE, { creator: BOB });
    const prev = [room.create.event_id];
    expectAllowed(room.check({ ...join(BOB), prev_events: prev }));
    expectRejected(room.check({ ...join(ALICE), prev_events: prev }));
  });

  test.each(each([v('11'), v('12')]))('v%s: the creator is the create sender, content.creator is ignored', (_id, version) => {
    const room = new Room(version, ALICE, { creator: BOB });
    const prev = [room.create.event_id];
    expectAllowed(room.check({ ...join(ALICE), prev_events: prev }));
    expectRejected(room.check({ ...join(BOB), prev_events: prev }));
  });

  test('v12: an additional creator does not get the first-join exception', () => {
    const room = new Room(v('12'), ALICE, { additional_creators: [BOB] });
    expectRejected(room.check({ ...join(BOB), prev_events: [room.create.event_id] }));
  });

  test.each(each(ALL_VERSIONS))('v%s: nobody can join on behalf of someone else', (_id, version) => {
    const room = Room.started(version).joinRule('public');
    expectRejected(room.check({ ...join(BOB), sender: ALICE }), /behalf/);
  });

  test.each(each(ALL_VERSIONS))('v%s: a banned user cannot rejoin a public room', (_id, version) => {
    const room = Room.started(version).joinRule('public').member(BOB, 'ban', ALICE);
    expectRejected(room.check(join(BOB)), /banned/);
  });

  test.each(each(ALL_VERSIONS))('v%s: public rooms can be joined by anyone', (_id, version) => {
    expectAllowed(Room.started(version).joinRule('public').check(join(BOB)));
  });

  test.each(each(ALL_VERSIONS))('v%s: invite-only rooms need an invite (or a join)', (_id, version) => {
    const room = Room.started(version).joinRule('invite');
    expectRejected(room.check(join(BOB)), /invite/);
    room.member(BOB, 'invite', ALICE);
    expectAllowed(room.check(join(BOB)));
    room.member(BOB, 'join');
    expectAllowed(room.check(join(BOB)));
    room.member(BOB, 'leave');
    expectRejected(room.check(join(BOB)));
  });

  test.each(each(ALL_VERSIONS))('v%s: a room without join rules is invite-only', (_id, version) => {
    const room = Room.started(version);
    expectRejected(room.check(join(BOB)));
    room.member(BOB, 'invite', ALICE);
    expectAllowed(room.check(join(BOB)));
  });

  test.each(each(ALL_VERSIONS))('v%s: private and unknown join rules refuse joins', (_id, version) => {
    expectRejected(Room.started(version).joinRule('private').check(join(BOB)));
    expectRejected(Room.started(version).joinRule('whatever').member(BOB, 'invite', ALICE).check(join(BOB)));
  });

  test.each(each(ALL_VERSIONS))('v%s: the knock join rule lets invited users join from v7', (_id, version) => {
    const room = Room.started(version).joinRule('knock');
    expectRejected(room.check(join(BOB)));
    room.member(BOB, 'invite', ALICE);
    if (version.knockJoinRule) expectAllowed(room.check(join(BOB)));
    else expectRejected(room.check(join(BOB)));
  });

  describe('restricted and knock_restricted', () => {
    const restrictedRoom = (version: RoomVersion, rule: string) =>
      Room.started(version, standardLevels(version, { [CAROL]: 0, [DAVE]: 50 }))
        .joinRule(rule, { allow: [{ type: 'm.room_membership', room_id: '!other:a.example' }] })
        .member(CAROL, 'join')
        .member(DAVE, 'join');
    const viaDave = (user: string) => ({
      ...join(user, { join_authorised_via_users_server: DAVE }),
      signatures: { [user.slice(user.indexOf(':') + 1)]: { 'ed25519:a': 's' }, 'a.example': { 'ed25519:a': 's' } },
    });

    test.each(each(versionsWhere((r) => r.restrictedJoinRule)))('v%s restricted: authorised by a joined member who can invite', (_id, version) => {
      expectAllowed(restrictedRoom(version, 'restricted').check(viaDave(BOB)));
    });

    test.each(each(versionsWhere((r) => r.knockRestrictedJoinRule)))('v%s knock_restricted: authorised join', (_id, version) => {
      expectAllowed(restrictedRoom(version, 'knock_restricted').check(viaDave(BOB)));
    });

    test.each(each(versionsWhere((r) => r.restrictedJoinRule && !r.knockRestrictedJoinRule)))(
      'v%s: knock_restricted is not a join rule yet',
      (_id, version) => {
        expectRejected(restrictedRoom(version, 'knock_restricted').check(viaDave(BOB)));
      },
    );

    test.each(each(versionsWhere((r) => !r.restrictedJoinRule)))('v%s: restricted is not a join rule yet', (_id, version) => {
      expectRejected(restrictedRoom(version, 'restricted').check(viaDave(BOB)));
    });

    test.each(each(versionsWhere((r) => r.restrictedJoinRule)))('v%s restricted: invited or joined users need no authoriser', (_id, version) => {
      const room = restrictedRoom(version, 'restricted').member(BOB, 'invite', ALICE);
      expectAllowed(room.check(join(BOB)));
    });

    test.each(each(versionsWhere((r) => r.restrictedJoinRule)))('v%s restricted: rejected without a valid authoriser', (_id, version) => {
      const room = restrictedRoom(version, 'restricted').powerLevels({
        ...standardLevels(version, { [CAROL]: 0, [DAVE]: 50 }),
        invite: 10,
      });
      expectRejected(room.check(join(BOB)), /authorised/);
      // Carol is joined but below the invite level.
      const viaCarol = { ...join(BOB, { join_authorised_via_users_server: CAROL }), signatures: { 'c.example': { 'ed25519:a': 's' } } };
      expectRejected(room.check(viaCarol), /cannot invite/);
      // Bob (the joiner) is not joined.
      const viaSelf = { ...join(BOB, { join_authorised_via_users_server: BOB }) };
      expectRejected(room.check(viaSelf), /authorised/);
      // Dave left.
      room.member(DAVE, 'leave');
      expectRejected(room.check(viaDave(BOB)), /authorised/);
    });

    test.each(each(versionsWhere((r) => r.restrictedJoinRule)))(
      "v%s: join_authorised_via_users_server needs the authoriser's server among the signers",
      (_id, version) => {
        const room = restrictedRoom(version, 'restricted');
        const unsigned = { ...join(BOB, { join_authorised_via_users_server: DAVE }), signatures: { 'b.example': { 'ed25519:a': 's' } } };
        expectRejected(room.check(unsigned), /signed/);
        expectRejected(room.check(join(BOB, { join_authorised_via_users_server: 'not-a-user' })), /user id/);
        // Applies to every membership, even where the key is useless (here a public room).
        const publicRoom = Room.started(version).joinRule('public');
        expectRejected(publicRoom.check(unsigned), /signed/);
      },
    );

    test.each(each(versionsWhere((r) => !r.restrictedJoinRule)))('v%s: join_authorised_via_users_server is ignored', (_id, version) => {
      const room = Room.started(version).joinRule('public');
      expectAllowed(room.check(join(BOB, { join_authorised_via_users_server: 'not-a-user' })));
    });
  });
});

describe('invite', () => {
  const invite = (target: string, sender = ALICE, extra: Record<string, unknown> = {}) => ({
    type: 'm.room.member',
    state_key: target,
    sender,
    content: { membership: 'invite', ...extra },
  });

  test.each(each(ALL_VERSIONS))('v%s: a joined member at the invite level may invite', (_id, version) => {
    expectAllowed(Room.started(version, standardLevels(version)).check(invite(BOB)));
    expectAllowed(Room.started(version).check(invite(BOB))); // no power levels: invite level 0
  });

  test.each(each(ALL_VERSIONS))('v%s: the sender must be joined', (_id, version) => {
    const room = Room.started(version, standardLevels(version)).member(CAROL, 'invite', ALICE);
    expectRejected(room.check(invite(BOB, CAROL)), /not joined/);
    expectRejected(room.check(invite(BOB, DAVE)), /not joined/);
  });

  test.each(each(ALL_VERSIONS))('v%s: joined or banned users cannot be invited', (_id, version) => {
    const room = Room.started(version, standardLevels(version)).member(BOB, 'join').member(CAROL, 'ban', ALICE);
    expectRejected(room.check(invite(BOB)), /joined/);
    expectRejected(room.check(invite(CAROL)), /banned/);
    room.member(BOB, 'leave');
    expectAllowed(room.check(invite(BOB)));
  });

  test.each(each(ALL_VERSIONS))('v%s: the sender needs the invite level', (_id, version) => {
    const room = Room.started(version, { ...standardLevels(version, { [DAVE]: 49 }), invite: 50 }).member(DAVE, 'join');
    expectRejected(room.check(invite(BOB, DAVE)), /cannot invite/);
    room.powerLevels({ ...standardLevels(version, { [DAVE]: 50 }), invite: 50 });
    expectAllowed(room.check(invite(BOB, DAVE)));
  });

  describe('third-party invites', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const rawPublic = publicKey.export({ format: 'jwk' }).x!; // base64url, 32 bytes
    const publicKeyB64 = encodeBase64(Buffer.from(rawPublic, 'base64url'));
    const other = generateKeyPairSync('ed25519');
    const otherB64 = encodeBase64(Buffer.from(other.publicKey.export({ format: 'jwk' }).x!, 'base64url'));

    const signedFor = (mxid: string, token: string, key = privateKey) => {
      const signed: Record<string, unknown> = { mxid, token, sender: ALICE };
      const sig = sign(null, canonicalJsonBytes(signed), key);
      return { ...signed, signatures: { 'id.example': { 'ed25519:0': encodeBase64(sig) } } };
    };
    const tpInvite = (room: Room, signed: unknown, sender = ALICE) =>
      room.check(invite(BOB, sender, { third_party_invite: { display_name: 'b', signed } }));

    function roomWithInvite(version: RoomVersion, content: Record<string, unknown> = { public_key: publicKeyB64 }, inviter = ALICE): Room {
      const room = Room.started(version, standardLevels(version));
      return room.put(room.event({ type: 'm.room.third_party_invite', state_key: 'tok', sender: inviter, content }));
    }

    test.each(each(ALL_VERSIONS))('v%s: a correctly signed invite is allowed', (_id, version) => {
      expectAllowed(tpInvite(roomWithInvite(version), signedFor(BOB, 'tok')));
    });

    test('keys in public_keys count too', () => {
      const room = roomWithInvite(v('10'), { public_key: otherB64, public_keys: [{ public_key: otherB64 }, { public_key: publicKeyB64 }] });
      expectAllowed(tpInvite(room, signedFor(BOB, 'tok')));
    });

    test('a signature by another key is rejected', () => {
      const room = roomWithInvite(v('10'), { public_key: otherB64 });
      expectRejected(tpInvite(room, signedFor(BOB, 'tok')), /signature/);
    });

    test('a signature over other content is rejected', () => {
      const room = roomWithInvite(v('10'));
      expectRejected(tpInvite(room, { ...signedFor(BOB, 'tok'), extra: 'tampered' }), /signature/);
    });

    test('a banned target is rejected', () => {
      const room = roomWithInvite(v('10')).member(BOB, 'ban', ALICE);
      expectRejected(tpInvite(room, signedFor(BOB, 'tok')), /banned/);
    });

    test.each([
      ['no signed object', undefined, /signed/],
      ['signed without token', { mxid: BOB }, /mxid and token/],
      ['signed without mxid', { token: 'tok' }, /mxid and token/],
    ])('%s is rejected', (_what, signed, reason) => {
      expectRejected(tpInvite(roomWithInvite(v('10')), signed), reason);
    });

    test('mxid must be the state_key', () => {
      expectRejected(tpInvite(roomWithInvite(v('10')), signedFor(CAROL, 'tok')), /mxid/);
    });

    test('the token must name an m.room.third_party_invite in the state', () => {
      expectRejected(tpInvite(roomWithInvite(v('10')), signedFor(BOB, 'nope')), /no m\.room\.third_party_invite/);
    });

    test('the sender must be whoever sent the m.room.third_party_invite', () => {
      const room = roomWithInvite(v('10'), { public_key: publicKeyB64 }, DAVE).member(DAVE, 'join');
      expectRejected(tpInvite(room, signedFor(BOB, 'tok')), /sender/);
      expectAllowed(tpInvite(room, signedFor(BOB, 'tok'), DAVE));
    });

    test('a supplied verifier replaces the built-in one', () => {
      const room = roomWithInvite(v('10'));
      const seen: string[][] = [];
      const verifier = (_signed: Record<string, unknown>, keys: readonly string[]) => {
        seen.push([...keys]);
        return false;
      };
      expectRejected(room.check(invite(BOB, ALICE, { third_party_invite: { signed: signedFor(BOB, 'tok') } }), { verifyThirdPartyInvite: verifier }));
      expect(seen).toEqual([[publicKeyB64]]);
    });
  });
});

describe('leave and kick', () => {
  const leave = (target: string, sender = target) => ({ type: 'm.room.member', state_key: target, sender, content: { membership: 'leave' } });

  test.each(each(ALL_VERSIONS))('v%s: users may leave when joined or invited (or knocking from v7)', (_id, version) => {
    const room = Room.started(version, standardLevels(version));
    expectRejected(room.check(leave(BOB)), /not in/);
    room.member(BOB, 'invite', ALICE);
    expectAllowed(room.check(leave(BOB)));
    room.member(BOB, 'join');
    expectAllowed(room.check(leave(BOB)));
    room.member(BOB, 'ban', ALICE);
    expectRejected(room.check(leave(BOB)));
    room.member(BOB, 'knock');
    if (version.knockJoinRule) expectAllowed(room.check(leave(BOB)));
    else expectRejected(room.check(leave(BOB)));
  });

  test.each(each(ALL_VERSIONS))('v%s: kicking needs the kick level and a higher level than the target', (_id, version) => {
    const room = Room.started(version, standardLevels(version, { [DAVE]: 50, [CAROL]: 50, [BOB]: 10 }))
      .member(DAVE, 'join')
      .member(CAROL, 'join')
      .member(BOB, 'join');
    expectAllowed(room.check(leave(BOB, DAVE)));
    expectRejected(room.check(leave(CAROL, DAVE)), /kick/); // equal levels
    expectRejected(room.check(leave(DAVE, BOB)), /kick/); // below kick level
    room.powerLevels({ ...standardLevels(version, { [DAVE]: 50, [BOB]: 10 }), kick: 60 });
    expectRejected(room.check(leave(BOB, DAVE)), /kick/);
  });

  test.each(each(ALL_VERSIONS))('v%s: a kicker must be joined', (_id, version) => {
    const room = Room.started(version, standardLevels(version, { [DAVE]: 50 })).member(DAVE, 'invite', ALICE).member(BOB, 'join');
    expectRejected(room.check(leave(BOB, DAVE)), /not joined/);
  });

  test.each(each(ALL_VERSIONS))('v%s: unbanning needs both the ban and kick levels', (_id, version) => {
    const levels = (ban: number, kick: number) => ({ ...standardLevels(version, { [DAVE]: 50 }), ban, kick });
    const room = Room.started(version, levels(50, 50)).member(DAVE, 'join').member(BOB, 'ban', ALICE);
    expectAllowed(room.check(leave(BOB, DAVE)));
    room.powerLevels(levels(60, 50));
    expectRejected(room.check(leave(BOB, DAVE)), /unban/);
    room.powerLevels(levels(50, 60));
    expectRejected(room.check(leave(BOB, DAVE)), /kick/);
  });
});

describe('ban', () => {
  const ban = (target: string, sender: string) => ({ type: 'm.room.member', state_key: target, sender, content: { membership: 'ban' } });

  test.each(each(ALL_VERSIONS))('v%s: banning needs the ban level and a higher level than the target', (_id, version) => {
    const room = Room.started(version, standardLevels(version, { [DAVE]: 50, [CAROL]: 50 })).member(DAVE, 'join').member(CAROL, 'join');
    expectAllowed(room.check(ban(BOB, DAVE))); // not even in the room
    expectRejected(room.check(ban(CAROL, DAVE)), /ban/);
    expectRejected(room.check(ban(ALICE, DAVE)), /ban/);
    room.powerLevels({ ...standardLevels(version, { [DAVE]: 50 }), ban: 51 });
    expectRejected(room.check(ban(BOB, DAVE)), /ban/);
  });

  test.each(each(ALL_VERSIONS))('v%s: a banner must be joined', (_id, version) => {
    const room = Room.started(version, standardLevels(version, { [DAVE]: 100 })).member(DAVE, 'leave');
    expectRejected(room.check(ban(BOB, DAVE)), /not joined/);
  });

  test('v12: creators outrank everyone, including each other', () => {
    const version = v('12');
    const room = new Room(version, ALICE, { additional_creators: [BOB] });
    room.member(ALICE, 'join').member(BOB, 'join').member(DAVE, 'join');
    room.powerLevels({ users: { [DAVE]: 9000 } });
    expectAllowed(room.check(ban(DAVE, BOB))); // Bob (infinite) over Dave (9000)
    expectRejected(room.check(ban(BOB, DAVE)), /ban/); // Dave cannot touch a creator
    expectRejected(room.check(ban(BOB, ALICE)), /ban/); // infinite is not above infinite
  });

  test.each(each(versionsWhere((r) => !r.privilegedCreators)))('v%s: without power levels the creator has 100, others 0', (_id, version) => {
    const room = Room.started(version).member(BOB, 'join');
    expectAllowed(room.check(ban(BOB, ALICE)));
    expectRejected(room.check(ban(ALICE, BOB)));
  });
});

describe('knock', () => {
  const knock = (target: string, sender = target) => ({ type: 'm.room.member', state_key: target, sender, content: { membership: 'knock' } });

  test.each(each(versionsWhere((r) => !r.knockJoinRule)))('v%s: knocking does not exist', (_id, version) => {
    expectRejected(Room.started(version).joinRule('knock').check(knock(BOB)), /knock/);
  });

  test.each(each(versionsWhere((r) => r.knockJoinRule)))('v%s: knocking on a knock room', (_id, version) => {
    const room = Room.started(version, standardLevels(version)).joinRule('knock');
    expectAllowed(room.check(knock(BOB)));
    expectRejected(room.check(knock(BOB, ALICE)), /behalf/);
    room.member(BOB, 'leave');
    expectAllowed(room.check(knock(BOB)));
    for (const m of ['ban', 'invite', 'join']) {
      room.member(BOB, m, ALICE);
      expectRejected(room.check(knock(BOB)), /cannot knock/);
    }
  });

  test.each(each(versionsWhere((r) => r.knockJoinRule)))('v%s: other join rules refuse knocks', (_id, version) => {
    for (const rule of ['public', 'invite', 'restricted']) {
      expectRejected(Room.started(version).joinRule(rule).check(knock(BOB)), /knock/);
    }
  });

  test.each(each(versionsWhere((r) => r.knockJoinRule)))('v%s: knock_restricted allows knocking from v10', (_id, version) => {
    const d = Room.started(version).joinRule('knock_restricted').check(knock(BOB));
    if (version.knockRestrictedJoinRule) expectAllowed(d);
    else expectRejected(d, /knock/);
  });
});
