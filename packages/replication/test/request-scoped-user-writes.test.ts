import { runWithRequestId } from '@lattice/core';
import { InProcessUserWritePositions, RequestScopedUserWrites, type WritePositions } from '../src/index.js';

/** The shared store, counting its reads (each one a Redis round trip in the split). */
class CountingStore extends InProcessUserWritePositions {
  reads = 0;
  writes = 0;
  override async record(userId: string, positions: WritePositions): Promise<void> {
    this.writes++;
    return super.record(userId, positions);
  }
  override async get(userId: string): Promise<WritePositions> {
    this.reads++;
    return super.get(userId);
  }
}

test('a request reads the shared store once per user, and sees its own writes', async () => {
  const store = new CountingStore();
  await store.record('@a:x', { events: 5 });
  const writes = new RequestScopedUserWrites(store);
  await runWithRequestId('r1', async () => {
    expect(await writes.get('@a:x')).toEqual({ events: 5 });
    expect(await writes.get('@a:x')).toEqual({ events: 5 });
    expect(await writes.get('@b:x')).toEqual({});
    await writes.record('@a:x', { events: 9, caches: 2 });
    expect(await writes.get('@a:x')).toEqual({ events: 9, caches: 2 });
  });
  expect(store.reads).toBe(2);
  expect(await store.get('@a:x')).toEqual({ events: 9, caches: 2 });
});

test('each request takes its own snapshot; outside a request every call reads the store', async () => {
  const store = new CountingStore();
  const writes = new RequestScopedUserWrites(store);
  await runWithRequestId('r1', () => writes.get('@a:x'));
  await store.record('@a:x', { events: 3 }); // written through another replica
  expect(await runWithRequestId('r2', () => writes.get('@a:x'))).toEqual({ events: 3 });
  await writes.get('@a:x');
  await writes.get('@a:x');
  expect(store.reads).toBe(4);
});

test('a position recorded by the request never lowers what its snapshot holds', async () => {
  const store = new CountingStore();
  await store.record('@a:x', { events: 7 });
  const writes = new RequestScopedUserWrites(store);
  await runWithRequestId('r1', async () => {
    await writes.get('@a:x');
    await writes.record('@a:x', { events: 4 });
    expect(await writes.get('@a:x')).toEqual({ events: 7 });
  });
});

test('positions another process recorded for the request are not written again; later ones are', async () => {
  const store = new CountingStore();
  const writes = new RequestScopedUserWrites(store);
  await runWithRequestId('r1', async () => {
    // The event persister recorded the send (in the shared store) and said so.
    await store.record('@a:x', { events: 12 });
    writes.noteRecorded('@a:x', { events: 12 });
    await writes.record('@a:x', { events: 12 });
    expect(store.writes).toBe(1);
    expect(await writes.get('@a:x')).toEqual({ events: 12 });
    await writes.record('@a:x', { events: 13 });
    await writes.record('@a:x', { caches: 1 });
    expect(store.writes).toBe(3);
  });
  // Another request, or none: nothing noted, every record writes.
  await runWithRequestId('r2', () => writes.record('@a:x', { events: 12 }));
  await writes.record('@a:x', { events: 12 });
  expect(store.writes).toBe(5);
});
