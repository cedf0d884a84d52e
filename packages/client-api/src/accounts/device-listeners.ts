/**
 * Other packages' reactions to changes of a user's devices (end-to-end
 * encryption announces the device list change, locally and to other servers).
 * Keys, one-time keys and pending to-device messages go with a deleted
 * device's row itself (foreign keys); listeners run after the change committed.
 */
export type DevicesListener = (userId: string, deviceIds: readonly string[]) => Promise<void>;

type DeviceChange = 'removed' | 'renamed';

export class DeviceListeners {
  private readonly listeners: Record<DeviceChange, Set<DevicesListener>> = { removed: new Set(), renamed: new Set() };

  onRemoved(listener: DevicesListener): () => void {
    return this.on('removed', listener);
  }

  /** A device's display name changed (other users' clients show it; other servers hear of it). */
  onRenamed(listener: DevicesListener): () => void {
    return this.on('renamed', listener);
  }

  /** Call after the deletion committed; does nothing when no device went. */
  removed(userId: string, deviceIds: readonly string[]): Promise<void> {
    return this.emit('removed', userId, deviceIds);
  }

  /** Call after the new display name committed. */
  renamed(userId: string, deviceId: string): Promise<void> {
    return this.emit('renamed', userId, [deviceId]);
  }

  private on(change: DeviceChange, listener: DevicesListener): () => void {
    this.listeners[change].add(listener);
    return () => this.listeners[change].delete(listener);
  }

  private async emit(change: DeviceChange, userId: string, deviceIds: readonly string[]): Promise<void> {
    if (deviceIds.length === 0) return;
    for (const listener of this.listeners[change]) await listener(userId, deviceIds);
  }
}
