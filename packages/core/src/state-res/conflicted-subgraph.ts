/**
 * Spec (rooms/v12 "Conflicted state subgraph", state resolution v2.1): every event on
 * an auth_events path between two conflicted events, endpoints included. An event
 * is on such a path when a conflicted event reaches it (it is in the ancestry of the
 * conflicted set) and it reaches a conflicted event. One iterative depth-first walk
 * of that ancestry decides the second half for every event (memoised, no recursion,
 * so long auth chains cannot overflow the stack).
 */
import { authEventIds } from '../events/pdu.js';
import { CHEAP_STEPS_PER_CHECKPOINT, type Steps } from './steps.js';
import type { EventLookup } from './types.js';

interface Frame {
  readonly id: string;
  readonly authIds: string[];
  next: number;
  reachesConflicted: boolean;
}

export function* conflictedStateSubgraph(conflicted: ReadonlySet<string>, getEvent: EventLookup): Steps<Set<string>> {
  /** Finished events: does the event reach a conflicted event (itself included)? */
  const reaches = new Map<string, boolean>();
  const onStack = new Set<string>();
  const stack: Frame[] = [];
  const enter = (id: string): void => {
    const event = getEvent(id);
    if (event === undefined) return;
    onStack.add(id);
    stack.push({ id, authIds: authEventIds(event), next: 0, reachesConflicted: conflicted.has(id) });
  };

  let work = 0;
  for (const start of conflicted) {
    if (!reaches.has(start)) enter(start);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.next < frame.authIds.length) {
        const authId = frame.authIds[frame.next++]!;
        const known = reaches.get(authId);
        if (known !== undefined) frame.reachesConflicted ||= known;
        else if (!onStack.has(authId)) enter(authId); // (on the stack: a cycle, ignored)
      } else {
        stack.pop();
        onStack.delete(frame.id);
        reaches.set(frame.id, frame.reachesConflicted);
        const parent = stack[stack.length - 1];
        if (parent !== undefined) parent.reachesConflicted ||= frame.reachesConflicted;
      }
      if (++work % CHEAP_STEPS_PER_CHECKPOINT === 0) yield;
    }
  }

  const subgraph = new Set<string>();
  for (const [id, onPath] of reaches) if (onPath) subgraph.add(id);
  return subgraph;
}
