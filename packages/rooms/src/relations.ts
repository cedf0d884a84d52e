/**
 * Event relationships (client-server "Forming relationships between events"):
 * content['m.relates_to'] with a rel_type and an event_id. Indexed at persist
 * time (event_relations) for /relations, threads and bundled aggregations.
 */
export interface EventRelation {
  relatesTo: string;
  relType: string;
  /** m.annotation's key (e.g. a reaction); null for other relation types. */
  aggregationKey: string | null;
}

export function relationOf(content: Record<string, unknown>): EventRelation | undefined {
  const rel = content['m.relates_to'];
  if (typeof rel !== 'object' || rel === null || Array.isArray(rel)) return undefined;
  const { rel_type: relType, event_id: relatesTo, key } = rel as Record<string, unknown>;
  if (typeof relType !== 'string' || typeof relatesTo !== 'string') return undefined;
  return {
    relatesTo,
    relType,
    aggregationKey: relType === 'm.annotation' && typeof key === 'string' ? key : null,
  };
}
