/**
 * Group commit: writes submitted while earlier writes are in flight are
 * gathered and written together, one statement and one commit for many rooms,
 * so the database's per-statement and per-commit costs (round trip, planning,
 * WAL flush) are shared under load. A lone write goes out at once: nothing
 * waits for company. Each caller still gets its own outcome: when a group
 * fails, its members are retried one by one, so one bad write (e.g. a
 * duplicate transaction id) fails alone.
 */
import { AsyncResource } from 'node:async_hooks';

export interface GroupCommitOptions<Item, Result> {
  /** Writes the items in one atomic statement; results in item order. */
  write(items: readonly Item[]): Promise<Result[]>;
  /** Groups in flight at once (each holds a database connection). */
  maxInFlight: number;
  /** Items per group at most (bounds the statement's size). */
  maxGroup: number;
}

interface Waiting<Item, Result> {
  item: Item;
  resolve(result: Result): void;
  reject(err: unknown): void;
}

export class GroupCommit<Item, Result> {
  private queue: Array<Waiting<Item, Result>> = [];
  private inFlight = 0;
  private scheduled = false;
  /** Groups go out in the async context the committer was created in, never in a submitter's transaction. */
  private readonly scheduleFlush: () => void;

  constructor(private readonly options: GroupCommitOptions<Item, Result>) {
    const flush = AsyncResource.bind(() => {
      this.scheduled = false;
      this.flush();
    });
    this.scheduleFlush = () => {
      if (this.scheduled) return;
      this.scheduled = true;
      // After the current I/O callbacks: everything they make ready joins the same group.
      setImmediate(flush);
    };
  }

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.inFlight < this.options.maxInFlight) this.scheduleFlush();
    });
  }

  /** Items waiting for a free slot. */
  get waiting(): number {
    return this.queue.length;
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.options.maxInFlight) {
      const group = this.queue.splice(0, this.options.maxGroup);
      this.inFlight++;
      void this.run(group).finally(() => {
        this.inFlight--;
        if (this.queue.length > 0) this.scheduleFlush();
      });
    }
  }

  private async run(group: Array<Waiting<Item, Result>>): Promise<void> {
    let results: Result[];
    try {
      results = await this.options.write(group.map((w) => w.item));
    } catch (err) {
      // The statement wrote nothing: find out which member is at fault, each on its own.
      if (group.length === 1) group[0]!.reject(err);
      else await Promise.all(group.map((w) => this.run([w])));
      return;
    }
    group.forEach((w, i) => w.resolve(results[i]!));
  }
}
