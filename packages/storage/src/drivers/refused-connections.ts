/**
 * PostgreSQL turns a new connection away while it is at max_connections or at
 * a role's CONNECTION LIMIT (53300 too_many_connections), or while it starts
 * up or recovers (57P03 cannot_connect_now). The refusal comes before any
 * statement is sent, so connecting again is safe, and a slot usually frees
 * within moments (other processes' pools close idle connections). Without a
 * retry, a momentary shortage fails whatever request needed a new connection
 * with a 500 (a loaded CI run: an initial /sync on a sync worker whose pool
 * had to grow).
 */
import type { Logger } from '@lattice/core';

const REFUSED_AT_CONNECT = new Set(['53300', '57P03']);

export interface RefusedConnectionRetry {
  /** How long a caller keeps trying before the refusal is its error. */
  budgetMs: number;
  /** Pause before the first retry; each next pause doubles, up to maxDelayMs. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Told of each call's first refusal (a database short of connections is worth an operator's look). */
  logger?: Pick<Logger, 'warn'>;
}

/** As long as the other waits of a request (replication catch-up): 10 s. */
export const REFUSED_CONNECTION_RETRY: RefusedConnectionRetry = { budgetMs: 10_000, firstDelayMs: 50, maxDelayMs: 1_000 };

export function isRefusedConnection(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && REFUSED_AT_CONNECT.has(code);
}

/** Runs `connect` (whatever opens a connection first), again after each refusal while the budget lasts. */
export async function retryRefusedConnection<T>(connect: () => Promise<T>, retry: RefusedConnectionRetry): Promise<T> {
  const giveUpAt = Date.now() + retry.budgetMs;
  for (let delay = retry.firstDelayMs, attempt = 1; ; delay = Math.min(delay * 2, retry.maxDelayMs), attempt++) {
    try {
      return await connect();
    } catch (err) {
      if (!isRefusedConnection(err) || Date.now() + delay > giveUpAt) throw err;
      if (attempt === 1) retry.logger?.warn({ err, budgetMs: retry.budgetMs }, 'PostgreSQL refused a new connection; retrying');
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
