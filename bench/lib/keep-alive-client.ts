/**
 * The benchmarks' HTTP client: node:http over kept-alive connections. fetch
 * costs about 1 ms of CPU per request here, several times what this does, and
 * the load generator shares the machine's cores with the server it measures.
 */
import http from 'node:http';

export const keepAliveAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** Sends `body` as JSON (with the bearer token, if any); resolves with the parsed answer, rejects on a non-2xx status. */
export function requestJson<T = Record<string, unknown>>(
  url: string,
  method: string,
  token: string | undefined,
  body?: unknown,
  agent: http.Agent = keepAliveAgent,
): Promise<T> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
          ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) reject(new Error(`${method} ${url}: ${status} ${text}`));
          else resolve(JSON.parse(text) as T);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
