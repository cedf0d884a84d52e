/**
 * State resolution is written once, as generators that `yield` at checkpoints
 * inside their loops; a driver runs them either to completion (synchronously) or
 * in slices that hand the event loop back, so resolving a large room never stalls
 * other work (ARCHITECTURE.md §6: no stall over 50 ms).
 */

/** A computation that pauses at checkpoints and finally returns T. */
export type Steps<T> = Generator<void, T, void>;

/** Runs the computation without pausing. */
export function runToCompletion<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs the computation, yielding to the event loop (setImmediate) whenever a slice
 *  has run for `sliceMs` or more. */
export async function runInSlices<T>(steps: Steps<T>, sliceMs: number): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
}

/** Cheap loops yield every this many iterations (a yield costs a clock read in the driver). */
export const CHEAP_STEPS_PER_CHECKPOINT = 256;
