/**
 * Outbound device list updates: follows the device_lists stream (like the
 * federation sender follows events, from a stored position, so changes made
 * while it was down still go out) and tells every server sharing a room with
 * a local user about each change of that user's devices (m.device_list_update,
 * one per device, chained by stream_id/prev_id) and cross-signing keys
 * (m.signing_key_update). Each change advances the user's chain even when no
 * server shares a room yet: a server that starts sharing one later sees the
 * gap in prev_id and fetches the whole list.
 *
 * EDUs are queued before the position and the chain are saved: after a crash
 * in between they are queued again with the same ids, which receivers ignore.
 */
import type { Logger } from '@lattice/core';
import type { ReplicationHub } from '@lattice/replication';
import type { Database } from '@lattice/storage';
import { OutboxStore } from '../sender/outbox-store.js';
import type { EduQueue } from './federated-remote-keys.js';
import { deviceIdsOf, deviceListUpdate, signingKeyUpdate } from './local-device-list.js';
import { lastSentStreamIds, saveSentStreamIds } from './outbound-stream-ids.js';
import { serversSharingRoomsWith } from './shared-rooms.js';

/** Changes read per round. */
const BATCH = 200;

export interface DeviceListSenderDeps {
  db: Database;
  hub: ReplicationHub;
  serverName: string;
  edus: EduQueue;
  logger: Logger;
  /** The name its position is stored under. */
  instanceName?: string;
}

interface ChangeRow {
  stream_id: string | number;
  user_id: string;
  device_ids: string[] | null;
  cross_signing: boolean;
}

export class DeviceListSender {
  private readonly positions: OutboxStore;
  private readonly instance: string;
  private position = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: DeviceListSenderDeps) {
    this.positions = new OutboxStore(deps.db);
    this.instance = deps.instanceName ?? 'federation_sender/device_lists';
  }

  /** Resumes from the stored position (first start: from now), then follows the stream. */
  async start(): Promise<void> {
    const stored = await this.positions.position(this.instance);
    if (stored === undefined) {
      const { rows } = await this.deps.db.query<{ max: string | null }>('SELECT max(stream_id) AS max FROM device_list_changes');
      this.position = Number(rows[0]?.max ?? 0);
      await this.positions.setPosition(this.deps.db, this.instance, this.position);
    } else this.position = stored;
    // On the next turn: the stream's position moves after its update handlers ran.
    this.unsubscribe = this.deps.hub.onUpdate('device_lists', () => setImmediate(() => void this.catchUp()));
    await this.catchUp();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    await this.running;
  }

  /** Sends what changed since the position; one run at a time. */
  catchUp(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = this.run()
      .catch((err: unknown) => this.deps.logger.error({ err }, 'device list sender: catch-up failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          void this.catchUp();
        }
      });
    return this.running;
  }

  private async run(): Promise<void> {
    const { db, hub, serverName } = this.deps;
    for (;;) {
      // Only below the stream's safe position: every change there is committed.
      const bound = hub.currentToken().get('device_lists').min;
      if (bound <= this.position) return;
      const { rows } = await db.query<ChangeRow>(
        `SELECT stream_id, user_id, device_ids, cross_signing FROM device_list_changes
         WHERE stream_id > $1 AND stream_id <= $2 AND observer IS NULL AND user_id LIKE $3
         ORDER BY stream_id LIMIT ${BATCH}`,
        [this.position, bound, `%:${serverName.replace(/[%_\\]/g, '\\$&')}`],
      );
      const chains = await lastSentStreamIds(db, [...new Set(rows.map((r) => r.user_id))]);
      const advanced = new Map<string, number>();
      const servers = new Map<string, string[]>();
      for (const row of rows) {
        const userId = row.user_id;
        let destinations = servers.get(userId);
        if (destinations === undefined) servers.set(userId, (destinations = await serversSharingRoomsWith(db, userId, serverName)));
        const devices = row.device_ids ?? (row.cross_signing ? [] : await deviceIdsOf(db, userId));
        for (const deviceId of devices) {
          const prev = chains.get(userId);
          const streamId = (prev ?? 0) + 1;
          chains.set(userId, streamId);
          advanced.set(userId, streamId);
          if (destinations.length === 0) continue;
          const content = await deviceListUpdate(db, userId, deviceId, streamId, prev);
          for (const d of destinations) await this.deps.edus.queueEdu(d, 'm.device_list_update', content);
        }
        if (row.cross_signing && destinations.length > 0) {
          const content = await signingKeyUpdate(db, userId);
          for (const d of destinations) await this.deps.edus.queueEdu(d, 'm.signing_key_update', content);
        }
      }
      const next = rows.length < BATCH ? bound : Number(rows[rows.length - 1]!.stream_id);
      await db.transaction(async (tx) => {
        await saveSentStreamIds(tx, advanced);
        await this.positions.setPosition(tx, this.instance, next);
      });
      this.position = next;
    }
  }
}
