/**
 * A real HTTP application service for tests (express): records every request
 * it gets with its Authorization header, checks the hs_token as a real bridge
 * does, and answers as the test tells it (fail the next transactions, know a
 * user or an alias, serve third-party protocol data).
 */
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedTxn {
  txnId: string;
  body: { events: Array<Record<string, unknown>>; ephemeral?: Array<Record<string, unknown>>; [key: string]: unknown };
}

export interface TestAppservice {
  url: string;
  hsToken: string;
  /** Successful (200) transactions in arrival order. */
  transactions: ReceivedTxn[];
  /** Every transaction attempt's txn id, failed ones included. */
  attempts: string[];
  pings: Array<Record<string, unknown>>;
  userQueries: string[];
  aliasQueries: string[];
  /** Answer the next n transactions with 500. */
  failNext(n: number): void;
  /** Status the ping endpoint answers with (default 200). */
  pingStatus: number;
  /** Called when the homeserver asks about an alias; true: the appservice "created" it. */
  onAliasQuery: (alias: string) => Promise<boolean>;
  onUserQuery: (userId: string) => Promise<boolean>;
  /** Waits until `predicate` holds over the received transactions. */
  waitFor(predicate: (txns: ReceivedTxn[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTestAppservice(hsToken: string): Promise<TestAppservice> {
  let failures = 0;
  const waiters = new Set<() => void>();
  const app = express();
  app.use(express.json({ limit: '10mb' }));
  const as: TestAppservice = {
    url: '',
    hsToken,
    transactions: [],
    attempts: [],
    pings: [],
    userQueries: [],
    aliasQueries: [],
    pingStatus: 200,
    failNext: (n) => void (failures = n),
    onAliasQuery: async () => false,
    onUserQuery: async () => false,
    waitFor: (predicate, what, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(as.transactions)) return false;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`appservice never got ${what}; got ${JSON.stringify(as.transactions)}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };

  // Spec "Authorisation": the hs_token as a Bearer token, else 403 M_FORBIDDEN.
  app.use((req, res, next) => {
    if (req.headers.authorization !== `Bearer ${hsToken}`) {
      res.status(403).json({ errcode: 'M_FORBIDDEN' });
      return;
    }
    next();
  });
  app.put('/_matrix/app/v1/transactions/:txnId', (req, res) => {
    as.attempts.push(req.params.txnId);
    if (failures > 0) {
      failures--;
      res.status(500).json({ errcode: 'M_UNKNOWN' });
      return;
    }
    // A retried transaction the appservice already processed is acknowledged without processing it again.
    if (!as.transactions.some((t) => t.txnId === req.params.txnId)) as.transactions.push({ txnId: req.params.txnId, body: req.body });
    res.json({});
    for (const wake of [...waiters]) wake();
  });
  app.post('/_matrix/app/v1/ping', (req, res) => {
    as.pings.push(req.body);
    res.status(as.pingStatus).json(as.pingStatus === 200 ? {} : { errcode: 'M_UNKNOWN_TOKEN' });
  });
  app.get('/_matrix/app/v1/users/:userId', async (req, res) => {
    as.userQueries.push(req.params.userId);
    if (await as.onUserQuery(req.params.userId)) res.json({});
    else res.status(404).json({ errcode: 'M_NOT_FOUND' });
  });
  app.get('/_matrix/app/v1/rooms/:alias', async (req, res) => {
    as.aliasQueries.push(req.params.alias);
    if (await as.onAliasQuery(req.params.alias)) res.json({});
    else res.status(404).json({ errcode: 'M_NOT_FOUND' });
  });
  app.get('/_matrix/app/v1/thirdparty/protocol/:protocol', (req, res) => {
    if (req.params.protocol !== 'irc') {
      res.status(404).json({ errcode: 'M_NOT_FOUND' });
      return;
    }
    res.json({
      user_fields: ['network', 'nickname'],
      location_fields: ['network', 'channel'],
      icon: 'mxc://example.org/irc',
      field_types: { network: { regexp: '([a-z0-9]+\\.)*[a-z0-9]+', placeholder: 'irc.example.org' } },
      instances: [{ desc: 'Example IRC', network_id: 'example', fields: { network: 'irc.example.org' } }],
    });
  });
  app.get('/_matrix/app/v1/thirdparty/location/:protocol', (req, res) => {
    res.json([{ alias: `#irc_${String(req.query.channel ?? 'none')}:test.local`, protocol: req.params.protocol, fields: { ...req.query } }]);
  });
  app.get('/_matrix/app/v1/thirdparty/user/:protocol', (req, res) => {
    res.json([{ userid: `@irc_${String(req.query.nickname ?? 'none')}:test.local`, protocol: req.params.protocol, fields: { ...req.query } }]);
  });
  app.get('/_matrix/app/v1/thirdparty/location', (req, res) => {
    res.json([{ alias: String(req.query.alias), protocol: 'irc', fields: { channel: '#matrix' } }]);
  });
  app.get('/_matrix/app/v1/thirdparty/user', (req, res) => {
    res.json([{ userid: String(req.query.userid), protocol: 'irc', fields: { nickname: 'someone' } }]);
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  as.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return as;
}
