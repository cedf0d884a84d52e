/**
 * The whois answer (client-server admin.yaml getWhoIs, and Synapse's admin
 * whois): the user's sessions, one per device, with the address, user agent
 * and time the device was last seen (kept per device, so a session has at
 * most one connection).
 */
import { listDevices, type ClientApiContext } from '@lattice/client-api';

type Connection = { ip: string | null; last_seen: number; user_agent: string | null };

export async function whoisBody(ctx: ClientApiContext, userId: string): Promise<Record<string, unknown>> {
  const devices: Record<string, { sessions: Array<{ connections: Connection[] }> }> = {};
  for (const device of await listDevices(ctx.db, userId)) {
    const connections = device.lastSeenTs === null ? [] : [{ ip: device.lastSeenIp, last_seen: device.lastSeenTs, user_agent: device.lastSeenUserAgent }];
    devices[device.deviceId] = { sessions: [{ connections }] };
  }
  return { user_id: userId, devices };
}
