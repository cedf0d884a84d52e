/**
 * Questions only another server can answer (server-server "Querying for
 * information"): where one of its room aliases points, and one of its users'
 * profiles. The federation package implements it; without it aliases and
 * profiles of other servers are unknown (404).
 */
export interface RemoteQueries {
  /** The alias's server's answer to /query/directory; undefined when it has no such alias. */
  roomAlias(alias: string): Promise<{ room_id: string; servers: string[] } | undefined>;
  /** The user's server's answer to /query/profile (one field, or all); undefined when it has no such profile. */
  profile(userId: string, field?: string): Promise<Record<string, unknown> | undefined>;
}
