import type { FederatingTestServer } from './federating-test-server.js';

const enc = encodeURIComponent;

/** Long-polls /sync until `found` sees what it waits for in a response (bounded number of rounds). */
export async function syncUntil<B extends { next_batch: string }>(
  server: Pick<FederatingTestServer, 'request'>,
  token: string,
  since: string | undefined,
  found: (body: B) => boolean,
): Promise<B> {
  let batch = since;
  for (let round = 0; round < 40; round++) {
    const res = await server.request<B>('GET', `/_matrix/client/v3/sync?timeout=1000${batch ? `&since=${enc(batch)}` : ''}`, token);
    expect(res.status).toBe(200);
    if (found(res.body)) return res.body;
    batch = res.body.next_batch;
  }
  throw new Error('never arrived through /sync');
}
