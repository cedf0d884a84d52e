import { availableParallelism } from 'node:os';
import { ed25519PrivateKeyObject, ed25519PublicKeyFromSeed, ed25519Sign, randomEd25519Seed } from '../src/crypto/ed25519.js';
import { defaultVerifyThreads, Ed25519VerifyPool } from '../src/crypto/ed25519-verify-pool.js';

/** Signed messages under two keys, every third one with a flipped signature bit (so known to be invalid). */
function cases(count: number) {
  const pairs = [randomEd25519Seed(), randomEd25519Seed()].map((seed) => ({
    publicKey: ed25519PublicKeyFromSeed(seed),
    privateKey: ed25519PrivateKeyObject(seed),
  }));
  return Array.from({ length: count }, (_, i) => {
    const { publicKey, privateKey } = pairs[i % 2]!;
    const message = `{"n":${i},"text":"café 😀 ${'x'.repeat(i % 50)}"}`; // multi-byte UTF-8, varying lengths
    const signature = ed25519Sign(privateKey, message);
    const valid = i % 3 !== 0;
    if (!valid) signature[i % 64]! ^= 1;
    return { publicKey, message, signature, valid };
  });
}

describe('Ed25519VerifyPool', () => {
  const pools: Ed25519VerifyPool[] = [];
  const pool = (threads: number) => {
    const p = new Ed25519VerifyPool(threads);
    pools.push(p);
    return p;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });

  test.each([0, 1, 2])('with %i threads, answers each request correctly, in any batch shape', async (threads) => {
    const p = pool(threads);
    const all = cases(200);
    // One large batch (split over the threads), then single requests on later turns.
    const batch = await Promise.all(all.map((c) => p.verify(c.publicKey, c.message, c.signature)));
    expect(batch).toEqual(all.map((c) => c.valid));
    for (const c of all.slice(0, 5)) await expect(p.verify(c.publicKey, c.message, c.signature)).resolves.toBe(c.valid);
  });

  test('a signature over other bytes, a short key and a short signature are refused', async () => {
    const p = pool(1);
    const [c] = cases(2).slice(1);
    await expect(p.verify(c!.publicKey, `${c!.message} `, c!.signature)).resolves.toBe(false);
    await expect(p.verify(c!.publicKey.subarray(1), c!.message, c!.signature)).resolves.toBe(false);
    await expect(p.verify(c!.publicKey, c!.message, c!.signature.subarray(1))).resolves.toBe(false);
  });

  test('requests outstanding when the pool closes are still answered, correctly', async () => {
    const p = pool(1);
    const all = cases(60);
    const answers = Promise.all(all.map((c) => p.verify(c.publicKey, c.message, c.signature)));
    await new Promise((r) => setImmediate(r)); // the batch is on its way to the thread
    await p.close();
    await expect(answers).resolves.toEqual(all.map((c) => c.valid));
  });
});

describe('defaultVerifyThreads', () => {
  test('one thread per core but the event loop\'s, at most 4', () => {
    expect(defaultVerifyThreads()).toBe(Math.min(4, availableParallelism() - 1));
  });
});
