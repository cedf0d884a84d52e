import { createLogger, type Logger } from '@lattice/core';

/** A logger that keeps its JSON lines in memory (and prints nothing). */
export function memoryLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'warn', destination: { write: (line: string) => lines.push(JSON.parse(line)) } });
  return { logger, lines };
}

/** A promise with its resolve function outside. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets pending promise callbacks (and setImmediate work) run. */
export function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
