/**
 * An EduQueue for processes without a federation sender (the worker split's
 * client-facing and federation-inbound roles): the EDU is written to the
 * durable outbox, which the federation-sender role sends from. `onQueued`
 * (once the row is written) asks that sender to send now; without it, or if
 * the ask is lost, its outbox sweep finds the row.
 */
import type { Database } from '@lattice/storage';
import { OutboxStore } from '../sender/outbox-store.js';
import type { EduQueue } from './federated-remote-keys.js';

export class OutboxEduQueue implements EduQueue {
  private readonly outbox: OutboxStore;

  constructor(
    private readonly db: Database,
    private readonly onQueued?: (destination: string) => void,
  ) {
    this.outbox = new OutboxStore(db);
  }

  async queueEdu(destination: string, eduType: string, content: Record<string, unknown>): Promise<void> {
    await this.outbox.enqueue(this.db, [{ destination, kind: 'edu', payload: { edu_type: eduType, content } }], Date.now());
    this.onQueued?.(destination);
  }
}
