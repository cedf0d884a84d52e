import type { HomeserverConfig } from '@lattice/core';

/** The base URL of a named instance's internal listener (instance_map). */
export function instanceUrl(config: HomeserverConfig, instance: string): string {
  const location = config.instance_map[instance];
  if (!location) throw new Error(`instance ${instance} is not in instance_map`);
  const host = location.host.includes(':') ? `[${location.host}]` : location.host;
  return `http://${host}:${location.port}`;
}
