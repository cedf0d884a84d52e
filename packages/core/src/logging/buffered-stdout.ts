/**
 * Log lines written to a file descriptor in batches. Every write is a system
 * call, and where system calls are expensive (containers, sandboxes) one per
 * line cost a worker about 0.7 ms of CPU per request it logged. Lines wait at
 * most `delayMs` after the first of them, or until BATCH_BYTES are waiting,
 * and go out in one synchronous write, so their order is kept; the rest is
 * written when the process exits. Only a SIGKILL loses lines: at most the
 * last `delayMs` of them.
 */
import { writeSync } from 'node:fs';
import type { DestinationStream } from 'pino';

export const FLUSH_DELAY_MS = 100;
const BATCH_BYTES = 64 * 1024;
const busyWait = new Int32Array(new SharedArrayBuffer(4));

export interface BufferedDestination extends DestinationStream {
  /** Writes out what is waiting now. */
  flush(): void;
}

export function bufferedDestination(fd: number, delayMs = FLUSH_DELAY_MS): BufferedDestination {
  let waiting: string[] = [];
  let bytes = 0;
  let timer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (waiting.length === 0) return;
    const data = Buffer.from(waiting.join(''));
    waiting = [];
    bytes = 0;
    writeFully(fd, data);
  };
  return {
    write(line: string): void {
      waiting.push(line);
      bytes += line.length;
      if (bytes >= BATCH_BYTES) flush();
      // Armed by a write, never by idleness: a quiet process wakes for nothing.
      else if (!timer) timer = setTimeout(flush, delayMs).unref();
    },
    flush,
  };
}

let stdout: BufferedDestination | undefined;

/** Standard output, batched: one destination per process, written out when the process exits. */
export function bufferedStdout(): BufferedDestination {
  if (!stdout) {
    const destination = bufferedDestination(process.stdout.fd ?? 1);
    process.on('exit', () => destination.flush());
    stdout = destination;
  }
  return stdout;
}

function writeFully(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(fd, data, offset);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A full pipe (non-blocking stdout): give its reader a moment.
      if (code === 'EAGAIN' || code === 'EBUSY') Atomics.wait(busyWait, 0, 0, 10);
      // Nobody reads any more (EPIPE and the like): logging must not take the process down.
      else return;
    }
  }
}
