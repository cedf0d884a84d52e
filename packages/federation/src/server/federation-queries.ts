/**
 * RemoteQueries over federation (query.yaml): GET /query/directory on the
 * alias's server and /query/profile on the user's server. A 404 there means
 * there is no such alias or profile; other failures reach the client as
 * client-facing errors (the remote's 4xx, or 502).
 */
import { serverNameOf } from '@lattice/core';
import type { RemoteQueries } from '@lattice/client-api';
import type { FederationClient } from '../api.js';
import { asClientError, isRemoteNotFound } from '../transport/client-facing-error.js';

const QUERY_TIMEOUT_MS = 10_000;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class FederationQueries implements RemoteQueries {
  constructor(private readonly client: FederationClient) {}

  async roomAlias(alias: string): Promise<{ room_id: string; servers: string[] } | undefined> {
    const answer = await this.query(alias, `/_matrix/federation/v1/query/directory?room_alias=${encodeURIComponent(alias)}`);
    if (answer === undefined) return undefined;
    const roomId = answer['room_id'];
    if (typeof roomId !== 'string' || !roomId.startsWith('!')) return undefined;
    const servers = Array.isArray(answer['servers']) ? answer['servers'].filter((s): s is string => typeof s === 'string') : [];
    return { room_id: roomId, servers };
  }

  async profile(userId: string, field?: string): Promise<Record<string, unknown> | undefined> {
    const fieldParam = field === undefined ? '' : `&field=${encodeURIComponent(field)}`;
    return this.query(userId, `/_matrix/federation/v1/query/profile?user_id=${encodeURIComponent(userId)}${fieldParam}`);
  }

  /** The JSON object the id's server answered, or undefined for its 404. */
  private async query(id: string, path: string): Promise<Record<string, unknown> | undefined> {
    const destination = serverNameOf(id);
    if (destination === undefined) return undefined;
    try {
      const answer = await this.client.request({ method: 'GET', destination, path, timeoutMs: QUERY_TIMEOUT_MS });
      return isObject(answer) ? answer : undefined;
    } catch (err) {
      if (isRemoteNotFound(err)) return undefined;
      throw asClientError(err);
    }
  }
}
