/**
 * POSTs of internal calls over node:http with kept-alive connections. The
 * fetch API costs about 2 ms of CPU per call here (web streams, URL and
 * AbortSignal machinery), more than many of the calls themselves; every send
 * of the worker split makes one.
 */
import http from 'node:http';

/**
 * Idle connections are closed after IDLE_MS, well before the internal
 * listener's keep-alive timeout (75 s, listeners.ts), so a request never goes
 * out on a connection the server is closing.
 */
const IDLE_MS = 60_000;
const agent = new http.Agent({ keepAlive: true, timeout: IDLE_MS, scheduling: 'lifo' });

export interface PostAnswer {
  status: number;
  body: string;
}

/** POSTs `body` (JSON text) to `url`; rejects on a network error or once timeoutMs has passed without a full answer. */
export function postJson(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostAnswer> {
  return new Promise<PostAnswer>((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', fail);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    function fail(err: Error): void {
      clearTimeout(timer);
      reject(err);
    }
    req.on('error', fail);
    req.end(body);
  });
}
