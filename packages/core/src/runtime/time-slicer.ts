/**
 * Long synchronous loops give the event loop back every `sliceMs`
 * (ARCHITECTURE.md §6: no stall over 50 ms): `await slicer.pass()` inside the
 * loop costs a clock read, and a setImmediate turn once the slice is used up.
 */
export class TimeSlicer {
  private sliceStart = performance.now();

  constructor(private readonly sliceMs: number) {}

  pass(): Promise<void> | undefined {
    if (performance.now() - this.sliceStart < this.sliceMs) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        this.sliceStart = performance.now();
        resolve();
      }),
    );
  }
}
