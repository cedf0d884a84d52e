/**
 * PGlite runs statements on the caller's thread and settles their promises as
 * microtasks, so a loop of awaited statements never returns to the event loop:
 * no timer, socket or immediate runs until the loop ends (a large join's tens of
 * thousands of outliers held the thread for seconds). After each statement,
 * LoopTurns gives the event loop a turn (setImmediate) once the thread has gone
 * `sliceMs` without one (ARCHITECTURE.md §6: no stall over 50 ms). A statement
 * that runs after the loop has turned on its own costs nothing extra.
 */
export class LoopTurns {
  /** When the current run without an event-loop turn started; undefined once the loop has turned. */
  private runStart: number | undefined;

  constructor(private readonly sliceMs: number) {}

  /** Call after a statement; await the result when it is a promise. */
  after(): Promise<void> | undefined {
    const now = performance.now();
    if (this.runStart === undefined) {
      this.runStart = now;
      // Runs at the loop's next check phase: it proves the loop turned.
      setImmediate(() => (this.runStart = undefined));
      return undefined;
    }
    if (now - this.runStart < this.sliceMs) return undefined;
    return new Promise<void>((resolve) => setImmediate(resolve));
  }
}
