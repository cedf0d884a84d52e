/**
 * Coalesces a client reader's sends to one event persister: sends that reach
 * the reader in the same turn of its event loop (under load, nginx hands it
 * several requests per turn) cross as one internal call, so the HTTP request,
 * its system calls and the persister's request handling are paid once per
 * batch rather than per event. A lone send goes out as it did before, alone,
 * with no added wait: the batch closes at the end of the current turn.
 */
import { raiseWritePositions, type WritePositions } from '@lattice/replication';
import { matrixErrorOf } from './internal-client.js';
import type { CreateEventAnswer, CreateEventArgs } from './persister-endpoint.js';
import type { InternalOutcome } from './wire.js';

/** Makes the internal call for one send, or for a batch of them (positions: what each sender already wrote). */
export interface SendTransport {
  one(instance: string, positions: WritePositions, args: CreateEventArgs): Promise<CreateEventAnswer>;
  many(instance: string, positions: WritePositions, items: CreateEventArgs[]): Promise<Array<InternalOutcome<CreateEventAnswer>>>;
}

/** The persister endpoint refuses larger batches; a bigger turn is split. */
export const MAX_SENDS_PER_BATCH = 64;

interface Queued {
  args: CreateEventArgs;
  positions: WritePositions;
  resolve(result: CreateEventAnswer): void;
  reject(err: unknown): void;
}

export class SendBatcher {
  private readonly queues = new Map<string, Queued[]>();

  constructor(private readonly transport: SendTransport) {}

  send(instance: string, positions: WritePositions, args: CreateEventArgs): Promise<CreateEventAnswer> {
    return new Promise<CreateEventAnswer>((resolve, reject) => {
      let queue = this.queues.get(instance);
      if (queue === undefined) {
        this.queues.set(instance, (queue = []));
        setImmediate(() => this.flush(instance));
      }
      queue.push({ args, positions, resolve, reject });
    });
  }

  private flush(instance: string): void {
    const queue = this.queues.get(instance) ?? [];
    this.queues.delete(instance);
    for (let i = 0; i < queue.length; i += MAX_SENDS_PER_BATCH) void this.call(instance, queue.slice(i, i + MAX_SENDS_PER_BATCH));
  }

  private async call(instance: string, batch: Queued[]): Promise<void> {
    if (batch.length === 1) {
      const [only] = batch as [Queued];
      await this.transport.one(instance, only.positions, only.args).then(only.resolve, only.reject);
      return;
    }
    // The persister catches up with every sender's writes before it acts on any of them.
    const positions: WritePositions = {};
    for (const q of batch) raiseWritePositions(positions, q.positions);
    let outcomes: Array<InternalOutcome<CreateEventAnswer>>;
    try {
      outcomes = await this.transport.many(instance, positions, batch.map((q) => q.args));
    } catch (err) {
      for (const q of batch) q.reject(err);
      return;
    }
    batch.forEach((q, i) => {
      const outcome = outcomes[i];
      if (outcome !== undefined && 'result' in outcome) q.resolve(outcome.result);
      else q.reject(matrixErrorOf(outcome?.error, `instance ${instance} gave no answer for this send`));
    });
  }
}
