/**
 * Opens a thread in a matrix-js-sdk client the way a client UI does before its
 * thread composer can send (Element's ThreadView.setupThread: getThread, else
 * createThread from the root). Replying into a thread the client has no Thread
 * model for is unsafe in matrix-js-sdk when the reply's /sync echo arrives
 * before the PUT /send answer (a worker split does that: the sync worker wakes
 * as soon as the row arrives): the echo is matched to the local echo but added
 * to no timeline, and the later SENT update then throws "updatePendingEventStatus
 * called on an event which is not a local echo" (Room.updatePendingEvent).
 */
import type { MatrixClient, Thread } from 'matrix-js-sdk';
import { eventually } from './wait.js';

export async function openThread(client: MatrixClient, roomId: string, rootId: string): Promise<Thread> {
  const room = await eventually(`${client.getUserId()} has the room`, () => client.getRoom(roomId));
  const root = await eventually(`${client.getUserId()} sees the thread root`, () => room.findEventById(rootId));
  return room.getThread(rootId) ?? room.createThread(rootId, root, [root], true);
}
