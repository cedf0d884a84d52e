/**
 * Ed25519 verification on worker threads. A large room's send_join answer
 * carries tens of thousands of signed events and a busy federation inbound
 * thousands a second; OpenSSL's verify costs 0.1–0.2 ms each, which on the
 * event loop means seconds of one core busy while the others idle. Requests
 * made in one turn of the event loop travel to a thread as one batch (one
 * message each way), spread over the threads by what each has outstanding;
 * the event loop verifies a share itself meanwhile. With no spare core, or
 * threads turned off, verification runs inline.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ED25519_PUBLIC_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, ed25519Verify } from './ed25519.js';

export interface Ed25519Verifier {
  /** Whether signature is message's Ed25519 signature under the raw 32-byte publicKey. */
  verify(publicKey: Uint8Array, message: string, signature: Uint8Array): Promise<boolean>;
  /** Stops the threads (pending requests are answered inline). */
  close(): Promise<void>;
}

interface Pending {
  publicKey: Uint8Array;
  message: string;
  signature: Uint8Array;
  resolve(ok: boolean): void;
}

interface BatchRequest {
  id: number;
  /** n × 32 bytes. */
  keys: Uint8Array;
  /** n × 64 bytes. */
  signatures: Uint8Array;
  messages: string[];
}

interface BatchAnswer {
  id: number;
  /** 1 verified, 0 not. */
  results: Uint8Array;
}

/** The thread's code: evaluated as a script, so it needs no file next to the compiled module (nor under ts-jest). */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const keys = new Map();
function keyObject(raw) {
  const id = Buffer.from(raw).toString('latin1');
  let key = keys.get(id);
  if (key === undefined) {
    if (keys.size >= 1024) keys.delete(keys.keys().next().value);
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    keys.set(id, key);
  }
  return key;
}
parentPort.on('message', ({ id, keys: k, signatures: s, messages }) => {
  const results = new Uint8Array(messages.length);
  for (let i = 0; i < messages.length; i++) {
    try {
      const key = keyObject(k.subarray(i * 32, i * 32 + 32));
      results[i] = verify(null, Buffer.from(messages[i], 'utf8'), key, s.subarray(i * 64, i * 64 + 64)) ? 1 : 0;
    } catch {
      results[i] = 0;
    }
  }
  parentPort.postMessage({ id, results }, [results.buffer]);
});
`;

/** Above this many requests in one turn, a batch is split so that every thread takes a share. */
const SPLIT_ABOVE = 32;
/** At most this many of a turn's requests are verified on the event loop itself (some 0.1–0.2 ms each). */
const MAX_INLINE = 24;

class VerifyThread {
  private worker: Worker | undefined;
  private readonly batches = new Map<number, Pending[]>();
  private nextId = 0;
  outstanding = 0;

  send(items: Pending[]): void {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    const keys = new Uint8Array(items.length * ED25519_PUBLIC_KEY_LENGTH);
    const signatures = new Uint8Array(items.length * ED25519_SIGNATURE_LENGTH);
    items.forEach((item, i) => {
      keys.set(item.publicKey, i * ED25519_PUBLIC_KEY_LENGTH);
      signatures.set(item.signature, i * ED25519_SIGNATURE_LENGTH);
    });
    const request: BatchRequest = { id, keys, signatures, messages: items.map((item) => item.message) };
    this.batches.set(id, items);
    this.outstanding += items.length;
    if (this.batches.size === 1) worker.ref();
    worker.postMessage(request, [keys.buffer, signatures.buffer]);
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failAll();
    if (worker !== undefined) await worker.terminate();
  }

  private start(): Worker {
    const worker = new Worker(THREAD_SOURCE, { eval: true });
    worker.on('message', (answer: BatchAnswer) => this.answered(answer));
    // A thread that dies takes its batches with it: they are verified inline, and the next batch starts a new thread.
    worker.on('error', () => this.lost(worker));
    worker.on('exit', () => this.lost(worker));
    this.worker = worker;
    return worker;
  }

  private answered({ id, results }: BatchAnswer): void {
    const items = this.batches.get(id);
    if (items === undefined) return;
    this.batches.delete(id);
    this.outstanding -= items.length;
    if (this.batches.size === 0) this.worker?.unref();
    items.forEach((item, i) => item.resolve(results[i] === 1));
  }

  private lost(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.failAll();
  }

  private failAll(): void {
    const batches = [...this.batches.values()];
    this.batches.clear();
    this.outstanding = 0;
    for (const items of batches) for (const item of items) item.resolve(verifyInline(item));
  }
}

function verifyInline(item: Pick<Pending, 'publicKey' | 'message' | 'signature'>): boolean {
  try {
    return ed25519Verify(item.publicKey, item.message, item.signature);
  } catch {
    return false;
  }
}

export class Ed25519VerifyPool implements Ed25519Verifier {
  private readonly threads: VerifyThread[];
  private queue: Pending[] = [];
  private flushScheduled = false;

  /** threads: 0 verifies inline. */
  constructor(threads: number) {
    this.threads = Array.from({ length: Math.max(0, Math.floor(threads)) }, () => new VerifyThread());
  }

  verify(publicKey: Uint8Array, message: string, signature: Uint8Array): Promise<boolean> {
    if (publicKey.length !== ED25519_PUBLIC_KEY_LENGTH || signature.length !== ED25519_SIGNATURE_LENGTH) {
      return Promise.resolve(false);
    }
    if (this.threads.length === 0) return Promise.resolve(verifyInline({ publicKey, message, signature }));
    return new Promise((resolve) => {
      this.queue.push({ publicKey, message, signature, resolve });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // After this turn's microtasks: the requests of a whole chunk of PDUs (their key lookups included) share a batch.
        setImmediate(() => this.flush());
      }
    });
  }

  async close(): Promise<void> {
    this.flush();
    await Promise.all(this.threads.map((t) => t.stop()));
  }

  private flush(): void {
    this.flushScheduled = false;
    const queue = this.queue;
    this.queue = [];
    if (queue.length === 0) return;
    // The event loop takes a share of a batch as one more worker (bounded, to keep its turn short):
    // the threads' shares are posted first, so all of them verify at once.
    const inline = Math.min(MAX_INLINE, Math.floor(queue.length / (this.threads.length + 1)));
    const offloaded = queue.slice(inline);
    const shares = offloaded.length > SPLIT_ABOVE ? this.threads.length : 1;
    const size = Math.ceil(offloaded.length / shares);
    for (let i = 0; i < offloaded.length; i += size) this.leastBusy().send(offloaded.slice(i, i + size));
    for (const item of queue.slice(0, inline)) item.resolve(verifyInline(item));
  }

  private leastBusy(): VerifyThread {
    return this.threads.reduce((best, t) => (t.outstanding < best.outstanding ? t : best));
  }
}

/** Threads for the shared pool when the config names none: every core but the event loop's, at most 4. */
export function defaultVerifyThreads(): number {
  return Math.min(4, availableParallelism() - 1);
}

let shared: Ed25519VerifyPool | undefined;

/**
 * Sets the process's pool size (config `signature_verify_threads`); call it at start-up, before any
 * verification. A pool already in use keeps its threads.
 */
export function configureSharedEd25519Verifier(threads: number | undefined): void {
  shared ??= new Ed25519VerifyPool(threads ?? defaultVerifyThreads());
}

/** The process's pool; its threads start on first use and never keep the process alive while idle. */
export function sharedEd25519Verifier(): Ed25519Verifier {
  shared ??= new Ed25519VerifyPool(defaultVerifyThreads());
  return shared;
}
