/**
 * What the handlers of this package share, built once per ClientApiContext:
 * the stream writers they write through, read-your-writes helpers, and the
 * interface to other servers (federation plugs in there later).
 */
import type { StreamName, UserScopedRow } from '@lattice/replication';
import { afterStreamWrite, beforeRead, type ClientApiContext } from '@lattice/client-api';
import type { StreamWriter } from '@lattice/replication';
import { LocalOnlyRemoteKeys, type RemoteKeysClient } from './keys/remote-keys.js';

export interface E2eeServices {
  readonly ctx: ClientApiContext;
  readonly deviceListsWriter: StreamWriter<UserScopedRow>;
  readonly toDeviceWriter: StreamWriter<UserScopedRow>;
  readonly remote: RemoteKeysClient;
  /** After a write: record it as the user's latest (read-your-writes) and wait until this worker has seen it. */
  afterWrite(userId: string, stream: StreamName, position: number): Promise<void>;
  /** Before a read: wait (bounded) until this worker has seen the user's latest writes. */
  beforeRead(userId: string): Promise<void>;
}

export interface E2eeServicesOptions {
  /** Keys and to-device messages of users on other servers (default: none reachable, reported in `failures`). */
  remote?: RemoteKeysClient;
}

export function createE2eeServices(ctx: ClientApiContext, options: E2eeServicesOptions = {}): E2eeServices {
  const { hub } = ctx.rooms;
  return {
    ctx,
    // Looked up on use: a worker that only serves /sync never writes these streams.
    get deviceListsWriter() {
      return hub.writer('device_lists');
    },
    get toDeviceWriter() {
      return hub.writer('to_device');
    },
    remote: options.remote ?? new LocalOnlyRemoteKeys(ctx.logger),
    afterWrite: (userId, stream, position) => afterStreamWrite(ctx.rooms, userId, stream, position),
    beforeRead: (userId) => beforeRead(ctx.rooms, userId),
  };
}
