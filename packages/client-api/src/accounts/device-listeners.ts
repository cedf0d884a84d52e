/**
 * Other packages' reactions to devices going away (end-to-end encryption
 * announces the device list change). Keys, one-time keys and pending to-device
 * messages go with the device row itself (foreign keys); listeners run after
 * the deletion has committed.
 */
export type DevicesRemovedListener = (userId: string, deviceIds: readonly string[]) => Promise<void>;

export class DeviceListeners {
  private readonly removedListeners = new Set<DevicesRemovedListener>();

  onRemoved(listener: DevicesRemovedListener): () => void {
    this.removedListeners.add(listener);
    return () => this.removedListeners.delete(listener);
  }

  /** Call after the deletion committed; does nothing when no device went. */
  async removed(userId: string, deviceIds: readonly string[]): Promise<void> {
    if (deviceIds.length === 0) return;
    for (const listener of this.removedListeners) await listener(userId, deviceIds);
  }
}
