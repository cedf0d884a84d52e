/**
 * Inbound m.direct_to_device: the messages for this server's users go to
 * their devices' inboxes ("*": every device), once per (origin, message_id)
 * however often the origin sends the EDU again, and only when the origin
 * speaks for its own user (a spoofed sender is dropped).
 */
import { serverNameOf, type Logger } from '@lattice/core';
import { deliverToDevice, type E2eeServices, type OutgoingMessage } from '@lattice/e2ee';
import type { Queryable } from '@lattice/storage';
import type { EduHandler } from '../inbound/edu-dispatcher.js';

/** How long received message ids are remembered: far longer than any origin retries a transaction. */
export const RECEIVED_TO_DEVICE_TTL_MS = 7 * 24 * 3600_000;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Records the message id; false when it was received before. */
async function claimMessageId(tx: Queryable, origin: string, messageId: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO federation_to_device_received (origin, message_id, ts) VALUES ($1, $2, $3)
     ON CONFLICT (origin, message_id) DO NOTHING`,
    [origin, messageId, Date.now()],
  );
  return rowCount > 0;
}

export async function pruneReceivedToDevice(db: Queryable, now: number): Promise<void> {
  await db.query('DELETE FROM federation_to_device_received WHERE ts < $1', [now - RECEIVED_TO_DEVICE_TTL_MS]);
}

export function directToDeviceHandler(services: E2eeServices, logger: Logger): EduHandler {
  const serverName = services.ctx.config.server_name;
  return async (origin, content) => {
    const { sender, type, message_id: messageId, messages } = content;
    if (typeof sender !== 'string' || typeof type !== 'string' || typeof messageId !== 'string' || !isObject(messages)) return;
    if (serverNameOf(sender) !== origin) {
      logger.warn({ origin, sender }, 'ignoring m.direct_to_device sent for a user of another server');
      return;
    }
    const outgoing: OutgoingMessage[] = [];
    for (const [userId, devices] of Object.entries(messages)) {
      if (serverNameOf(userId) !== serverName || !isObject(devices)) continue;
      for (const [deviceId, body] of Object.entries(devices)) {
        if (!isObject(body)) continue;
        outgoing.push({ userId, deviceId: deviceId === '*' ? undefined : deviceId, messageJson: JSON.stringify({ type, sender, content: body }) });
      }
    }
    await deliverToDevice(services, outgoing, (tx) => claimMessageId(tx, origin, messageId));
  };
}
