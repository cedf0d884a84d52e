/** Throughput of the crypto and encoding primitives on the federation hot path:
 *  Ed25519 sign/verify, canonical JSON + content hash, and the full inbound PDU
 *  check, on a realistic ~1 KB m.room.message PDU of room version 10.
 *
 *  Rates are per CPU-second of this process (process.cpuUsage), i.e. per core: the
 *  shared development machines are often busy, and wall-clock figures then measure
 *  the neighbours. Wall-clock rates are printed alongside. */
import {
  canonicalJson,
  checkPdu,
  computeContentHash,
  computeEventId,
  generateSigningKey,
  getRoomVersion,
  hashAndSignEvent,
  parseJsonStrict,
  signJson,
  verifyJsonSignature,
  type KeyLookup,
  type PDU,
} from '@lattice/core';

const roomVersion = getRoomVersion('10')!;
const key = generateSigningKey('bench');
const lookup: KeyLookup = (server, keyId) =>
  server === 'origin.example' && keyId === key.keyId ? { publicKey: key.publicKey, validUntilTs: Number.MAX_SAFE_INTEGER } : undefined;

const hash = (c: string) => '$' + c.repeat(43);
const pdu: PDU = hashAndSignEvent(
  {
    type: 'm.room.message',
    room_id: '!OGEhHVWSdvArJzumhm:origin.example',
    sender: '@alice.example-user:origin.example',
    origin: 'origin.example',
    origin_server_ts: 1_700_000_000_000,
    depth: 123_456,
    prev_events: [hash('a'), hash('b')],
    auth_events: [hash('c'), hash('d'), hash('e')],
    content: {
      msgtype: 'm.text',
      body: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris — «ünïcødé» 😀',
      format: 'org.matrix.custom.html',
      formatted_body: '<p>Lorem ipsum dolor sit amet, <strong>consectetur</strong> adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.</p>',
      'm.mentions': { user_ids: ['@bob:other.example'] },
      'm.relates_to': { 'm.in_reply_to': { event_id: hash('f') } },
    },
    hashes: { sha256: '' },
    signatures: {},
    unsigned: { age: 1234 },
  },
  'origin.example',
  key,
  roomVersion,
);
const raw = Buffer.from(JSON.stringify(pdu));
const canonical = canonicalJson(pdu);
const signedSmall = signJson({ server_name: 'origin.example', valid_until_ts: 1_700_000_000_000 }, 'origin.example', key);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(10);
const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

function report(name: string, ops: number, cpuUs: number, wallNs: bigint): void {
  const perCore = (ops * 1e6) / cpuUs;
  const wall = (ops * 1e9) / Number(wallNs);
  console.log(`${name.padEnd(52)} ${fmt(perCore)} ops/s per core   (${fmt(wall)} wall)`);
}

/** Runs fn in batches for about `seconds` of CPU time after a JIT warm-up. */
function measure(name: string, fn: () => void, seconds = 2): void {
  for (let i = 0; i < 300; i++) fn();
  let ops = 0;
  const cpu0 = cpuMicros();
  const wall0 = process.hrtime.bigint();
  while (cpuMicros() - cpu0 < seconds * 1e6) {
    for (let i = 0; i < 100; i++) fn();
    ops += 100;
  }
  report(name, ops, cpuMicros() - cpu0, process.hrtime.bigint() - wall0);
}

/** The same for async functions (sequential awaits, so promise overhead is included). */
async function measureAsync(name: string, fn: () => Promise<void>, seconds = 2): Promise<void> {
  for (let i = 0; i < 300; i++) await fn();
  let ops = 0;
  const cpu0 = cpuMicros();
  const wall0 = process.hrtime.bigint();
  while (cpuMicros() - cpu0 < seconds * 1e6) {
    for (let i = 0; i < 100; i++) await fn();
    ops += 100;
  }
  report(name, ops, cpuMicros() - cpu0, process.hrtime.bigint() - wall0);
}

console.log(`PDU: ${raw.length} bytes on the wire, ${Buffer.byteLength(canonical)} bytes canonical`);

measure('ed25519 sign (signJson, small object)', () => {
  signJson({ server_name: 'origin.example', valid_until_ts: 1_700_000_000_000 }, 'origin.example', key);
});
measure('ed25519 verify (verifyJsonSignature, small object)', () => {
  if (!verifyJsonSignature(signedSmall, 'origin.example', key.keyId, key.publicKey)) throw new Error('bad signature');
});
measure('canonical JSON of the PDU', () => {
  canonicalJson(pdu);
});
measure('canonical JSON + sha256 content hash', () => {
  computeContentHash(pdu, roomVersion);
});
measure('event id (redact + canonical JSON + sha256)', () => {
  computeEventId(pdu, roomVersion);
});
measure('parseJsonStrict (strict numbers)', () => {
  parseJsonStrict(raw, { strictNumbers: true });
});
measure('JSON.parse (for comparison)', () => {
  JSON.parse(raw.toString('utf8'));
});
measure('hashAndSignEvent', () => {
  hashAndSignEvent(pdu, 'origin.example', key, roomVersion);
});

await measureAsync('full PDU check (parse, format, hashes, verify, id)', async () => {
  const result = await checkPdu(raw, roomVersion, lookup);
  if (result.outcome !== 'accepted') throw new Error(`unexpected ${result.outcome}`);
});
