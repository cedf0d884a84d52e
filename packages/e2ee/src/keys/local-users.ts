/** Splits a request's user map into this server's users and other servers' users. */
import { Errors, parseUserId } from '@lattice/core';

export interface SplitUsers<T> {
  local: Map<string, T>;
  remote: Record<string, T>;
}

export function splitByServer<T>(users: Record<string, T>, serverName: string, field: string): SplitUsers<T> {
  const local = new Map<string, T>();
  const remote: Record<string, T> = {};
  for (const [userId, value] of Object.entries(users)) {
    const parsed = parseUserId(userId);
    if (!parsed) throw Errors.invalidParam(`'${field}' has an invalid user ID: ${JSON.stringify(userId)}`);
    if (parsed.domain === serverName) local.set(userId, value);
    else remote[userId] = value;
  }
  return { local, remote };
}
