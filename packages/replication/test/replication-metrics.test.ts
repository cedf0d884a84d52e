import { createMetrics } from '@lattice/core';
import { createTestDatabase } from '@lattice/storage';
import { InProcessTransport, createReplicationHub, registerReplicationMetrics } from '@lattice/replication';
import { memoryLogger } from './helpers.js';

test('stream gauges report the hub positions and this instance writer positions', async () => {
  const db = await createTestDatabase('pglite');
  const metrics = createMetrics('test');
  const hub = await createReplicationHub({ db, transport: new InProcessTransport(), instanceName: 'main', logger: memoryLogger().logger });
  try {
    const unregister = registerReplicationMetrics(hub, metrics);
    const position = await hub.writer('events').write(db, async () => []);
    const text = await metrics.registry.metrics();
    expect(text).toContain(`lattice_stream_position{stream="events",writer="",role="test"} ${position}`);
    expect(text).toContain(`lattice_stream_position{stream="events",writer="main",role="test"} ${position}`);
    expect(text).toContain('lattice_stream_lag{stream="events",writer="main",role="test"} 0');
    unregister();
    expect(await metrics.registry.metrics()).not.toContain('stream="events"');
  } finally {
    metrics.close();
    await hub.close();
    await db.close();
  }
});
