/**
 * A deleted device's keys, one-time keys and pending to-device messages go
 * with its row (foreign keys, migrations/0010_e2ee.sql); what is left, for a
 * deletion as for a rename, is telling the users who share a room with its
 * owner (and their servers) that the device list changed.
 */
import { DeviceListeners } from '@lattice/client-api';
import type { E2eeServices } from '../services.js';
import { announceDeviceListChange } from './device-list-changes.js';

export function watchDeviceChanges(services: E2eeServices): () => void {
  const { ctx } = services;
  ctx.devices ??= new DeviceListeners();
  const announce = (userId: string, deviceIds: readonly string[]) => announceDeviceListChange(services, userId, { deviceIds }).then(() => undefined);
  const offRemoved = ctx.devices.onRemoved(announce);
  const offRenamed = ctx.devices.onRenamed(announce);
  return () => {
    offRemoved();
    offRenamed();
  };
}
