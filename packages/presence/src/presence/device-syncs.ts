/**
 * Which devices of each user are syncing, and with which set_presence. A user
 * syncs from several devices at once (a phone in the background with
 * set_presence=unavailable, a desktop in use with online); their presence is
 * the most present of them, so the devices do not flip it back and forth (and
 * write on every /sync). A device counts while it syncs and for
 * SYNC_ONLINE_TIMEOUT_MS after its last sync ended.
 */
import { SYNC_ONLINE_TIMEOUT_MS } from './presence-rules.js';

export type SyncState = 'online' | 'unavailable';

interface DeviceSync {
  state: SyncState;
  inProgress: number;
  /** When its last sync began or ended. */
  lastTs: number;
}

export class DeviceSyncs {
  private readonly byUser = new Map<string, Map<string, DeviceSync>>();

  begin(userId: string, deviceId: string, state: SyncState, now: number): void {
    let devices = this.byUser.get(userId);
    if (!devices) this.byUser.set(userId, (devices = new Map()));
    const device = devices.get(deviceId);
    if (device) {
      device.state = state;
      device.inProgress++;
      device.lastTs = now;
    } else {
      devices.set(deviceId, { state, inProgress: 1, lastTs: now });
    }
  }

  end(userId: string, deviceId: string, now: number): void {
    const device = this.byUser.get(userId)?.get(deviceId);
    if (!device) return;
    device.inProgress = Math.max(0, device.inProgress - 1);
    device.lastTs = now;
  }

  /** Syncs of the user in progress, over all devices. */
  inProgress(userId: string): number {
    let count = 0;
    for (const device of this.byUser.get(userId)?.values() ?? []) count += device.inProgress;
    return count;
  }

  /** What the user's devices ask for together: online if any device that counts asks for it. */
  requested(userId: string, now: number): SyncState {
    for (const device of this.byUser.get(userId)?.values() ?? []) {
      if (device.state === 'online' && (device.inProgress > 0 || now - device.lastTs <= SYNC_ONLINE_TIMEOUT_MS)) return 'online';
    }
    return 'unavailable';
  }

  /** Forgets devices that no longer count (the timeout sweep calls it). */
  prune(userId: string, now: number): void {
    const devices = this.byUser.get(userId);
    if (!devices) return;
    for (const [deviceId, device] of devices) {
      if (device.inProgress === 0 && now - device.lastTs > SYNC_ONLINE_TIMEOUT_MS) devices.delete(deviceId);
    }
    if (devices.size === 0) this.byUser.delete(userId);
  }
}
