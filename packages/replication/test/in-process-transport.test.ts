import { InProcessTransport, type StreamUpdate } from '@lattice/replication';
import { memoryLogger } from './helpers.js';

const update = (position: number): StreamUpdate => ({ stream: 'events', instance: 'main', position, rows: [] });

describe('InProcessTransport', () => {
  test('delivers every update to every subscriber synchronously, in order', () => {
    const transport = new InProcessTransport();
    const a: number[] = [];
    const b: number[] = [];
    transport.subscribe((u) => a.push(u.position));
    transport.subscribe((u) => b.push(u.position));
    transport.publish(update(1));
    transport.publish(update(2));
    expect(a).toEqual([1, 2]);
    expect(b).toEqual([1, 2]);
  });

  test('a throwing subscriber is logged and does not stop the others', () => {
    const { logger, lines } = memoryLogger();
    const transport = new InProcessTransport(logger);
    const seen: number[] = [];
    transport.subscribe(() => {
      throw new Error('boom');
    });
    transport.subscribe((u) => seen.push(u.position));
    expect(() => transport.publish(update(3))).not.toThrow();
    expect(seen).toEqual([3]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', stream: 'events', err: { message: 'boom' } });
  });

  test('unsubscribe stops delivery', () => {
    const transport = new InProcessTransport();
    const seen: number[] = [];
    const off = transport.subscribe((u) => seen.push(u.position));
    transport.publish(update(1));
    off();
    transport.publish(update(2));
    expect(seen).toEqual([1]);
  });

  test('a publish from inside a subscriber is delivered after the current update, to everyone in the same order', () => {
    const transport = new InProcessTransport();
    const a: number[] = [];
    const b: number[] = [];
    transport.subscribe((u) => {
      a.push(u.position);
      if (u.position === 1) transport.publish(update(2));
    });
    transport.subscribe((u) => b.push(u.position));
    transport.publish(update(1));
    expect(a).toEqual([1, 2]);
    expect(b).toEqual([1, 2]);
  });
});
