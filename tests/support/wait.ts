/**
 * Waits until `check` returns a value other than undefined/false, re-checking
 * whenever the event loop turns (every 10 ms). Tests use it on a client's local
 * model, which its /sync loop updates; the bound only turns a hang into a clear
 * failure, it is not a performance assertion.
 */
export async function eventually<T>(what: string, check: () => T | undefined | false | null, boundMs = 15_000): Promise<T> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** eventually() for checks that must await (an HTTP request, a client's asynchronous crypto API); re-checked every 50 ms. */
export async function eventuallyAsync<T>(what: string, check: () => Promise<T | undefined | false | null>, boundMs = 30_000): Promise<T> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
