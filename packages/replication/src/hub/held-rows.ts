import type { StreamName } from '../types.js';

interface Held {
  rowsPosition: number;
  rows: readonly unknown[];
}

/**
 * Rows that arrived ahead of their writer's position (they committed before an
 * earlier position of the same writer): kept until the position covers them,
 * so waiters are never woken for rows a reader may not serve yet.
 */
export class HeldRows {
  private readonly held = new Map<string, Held[]>();

  get isEmpty(): boolean {
    return this.held.size === 0;
  }

  hold(stream: StreamName, instance: string, rowsPosition: number, rows: readonly unknown[]): void {
    const key = `${stream}\u0000${instance}`;
    let list = this.held.get(key);
    if (!list) this.held.set(key, (list = []));
    list.push({ rowsPosition, rows });
  }

  /** Removes and returns the batches now covered by `position`, in position order. */
  release(stream: StreamName, instance: string, position: number): Held[] {
    const key = `${stream}\u0000${instance}`;
    const list = this.held.get(key);
    if (!list) return [];
    const ready = list.filter((h) => h.rowsPosition <= position).sort((a, b) => a.rowsPosition - b.rowsPosition);
    const left = list.filter((h) => h.rowsPosition > position);
    if (left.length === 0) this.held.delete(key);
    else this.held.set(key, left);
    return ready;
  }
}
