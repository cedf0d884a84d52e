/**
 * Queues to-device messages for local devices at one to_device position and
 * wakes the recipients' syncs. /sendToDevice uses it (with its transaction id
 * claim in the same transaction); federation's inbound m.direct_to_device can too.
 */
import type { UserScopedRow } from '@lattice/replication';
import type { Queryable } from '@lattice/storage';
import type { E2eeServices } from '../services.js';
import { queueToDevice, type OutgoingMessage } from '../stores/device-inbox.js';

export interface Delivery {
  /** The to_device position written at (a gap when nothing was queued). */
  position: number;
  /** false: `claim` said the messages were already handled; nothing was queued. */
  queued: boolean;
}

export async function deliverToDevice(
  services: E2eeServices,
  messages: readonly OutgoingMessage[],
  claim?: (tx: Queryable) => Promise<boolean>,
): Promise<Delivery> {
  let queued = false;
  const position = await services.toDeviceWriter.write(services.ctx.db, async (tx, pos) => {
    if (claim && !(await claim(tx))) return [];
    queued = true;
    const users = await queueToDevice(tx, pos, messages);
    return users.map((u): UserScopedRow => ({ user_id: u }));
  });
  return { position, queued };
}
