/**
 * A deleted device's keys, one-time keys and pending to-device messages go
 * with its row (foreign keys, migrations/0010_e2ee.sql); what is left is
 * telling the users who share a room with its owner that the device list changed.
 */
import { DeviceListeners } from '@lattice/client-api';
import type { E2eeServices } from '../services.js';
import { announceDeviceListChange } from './device-list-changes.js';

export function watchDeviceRemovals(services: E2eeServices): () => void {
  const { ctx } = services;
  ctx.devices ??= new DeviceListeners();
  return ctx.devices.onRemoved(async (userId) => {
    await announceDeviceListChange(services, userId);
  });
}
