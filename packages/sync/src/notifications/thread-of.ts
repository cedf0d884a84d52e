/**
 * The thread an event belongs to (spec "Threading", threaded read receipts):
 * the root of an m.thread relation, else the main timeline ('main'). Only the
 * direct relation is followed; replies-to-thread-events carry m.thread
 * themselves in every client that threads, so deeper hops are not walked.
 */
export const MAIN_THREAD = 'main';

export function threadOf(content: Record<string, unknown>): string {
  const relation = content['m.relates_to'];
  if (typeof relation !== 'object' || relation === null) return MAIN_THREAD;
  const { rel_type: relType, event_id: root } = relation as Record<string, unknown>;
  return relType === 'm.thread' && typeof root === 'string' ? root : MAIN_THREAD;
}
