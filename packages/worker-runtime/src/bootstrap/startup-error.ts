import { inspect } from 'node:util';

/** Start-up failures are for a human at a terminal: say what is wrong, every config error at once. */
export function reportStartupError(err: unknown): never {
  const errors = (err as { errors?: unknown }).errors;
  if (Array.isArray(errors) && errors.length > 0) {
    console.error(`Configuration is invalid (${errors.length} problem${errors.length > 1 ? 's' : ''}):`);
    for (const e of errors) console.error(`  - ${String(e)}`);
  } else {
    // Not everything thrown is an Error (the embedded database's WebAssembly aborts are plain objects).
    console.error(`Lattice failed to start: ${err instanceof Error ? err.message : inspect(err, { depth: 3 })}`);
    if (process.env.LATTICE_DEBUG && err instanceof Error) console.error(err.stack);
  }
  process.exit(1);
}
