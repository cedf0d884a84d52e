/**
 * Keys and to-device messages of users on other servers. Federation implements
 * this (remote /keys/query and /keys/claim, m.direct_to_device); until then the
 * local-only implementation reports every remote server as unreachable in the
 * endpoints' `failures`, as the spec asks for servers that cannot be reached.
 */
import type { Logger } from '@lattice/core';

/** `failures` entries of /keys/query and /keys/claim, by server name. */
export type RemoteFailures = Record<string, Record<string, unknown>>;

export interface RemoteKeysQueryResult {
  device_keys: Record<string, Record<string, unknown>>;
  master_keys: Record<string, unknown>;
  self_signing_keys: Record<string, unknown>;
  failures: RemoteFailures;
}

export interface RemoteKeysClaimResult {
  one_time_keys: Record<string, Record<string, Record<string, unknown>>>;
  failures: RemoteFailures;
}

export interface RemoteKeysClient {
  /** /keys/query for users of other servers: `users` maps user id → device ids ([] = all). */
  queryKeys(users: Record<string, string[]>, timeoutMs: number): Promise<RemoteKeysQueryResult>;
  /** /keys/claim for devices of other servers: user id → device id → algorithm. */
  claimKeys(devices: Record<string, Record<string, string>>, timeoutMs: number): Promise<RemoteKeysClaimResult>;
  /** Queues to-device messages for users of other servers: user id → device id (or "*") → content. */
  sendToDevice(sender: string, type: string, messageId: string, messages: Record<string, Record<string, unknown>>): Promise<void>;
}

function serverOf(userId: string): string {
  return userId.slice(userId.indexOf(':') + 1);
}

function unreachable(userIds: Iterable<string>): RemoteFailures {
  const failures: RemoteFailures = {};
  for (const userId of userIds) {
    failures[serverOf(userId)] = { errcode: 'M_UNKNOWN', error: 'Federation is not available on this server' };
  }
  return failures;
}

/** No federation: every remote server is reported unreachable, remote to-device messages are not delivered. */
export class LocalOnlyRemoteKeys implements RemoteKeysClient {
  constructor(private readonly logger: Logger) {}

  async queryKeys(users: Record<string, string[]>): Promise<RemoteKeysQueryResult> {
    return { device_keys: {}, master_keys: {}, self_signing_keys: {}, failures: unreachable(Object.keys(users)) };
  }

  async claimKeys(devices: Record<string, Record<string, string>>): Promise<RemoteKeysClaimResult> {
    return { one_time_keys: {}, failures: unreachable(Object.keys(devices)) };
  }

  async sendToDevice(sender: string, type: string, _messageId: string, messages: Record<string, Record<string, unknown>>): Promise<void> {
    this.logger.warn({ sender, type, servers: [...new Set(Object.keys(messages).map(serverOf))] }, 'to-device messages for remote users dropped: no federation');
  }
}
