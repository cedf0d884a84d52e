import { Writable } from 'node:stream';
import {
  childLogger,
  createLogger,
  currentRequestId,
  newRequestId,
  requestLogger,
  runWithRequestId,
  type LoggerOptions,
} from '../../src/logging/index.js';

/** A logger writing into an array of parsed JSON lines. */
function capture(options: Omit<LoggerOptions, 'destination'> = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: createLogger({ ...options, destination }), lines, raw };
}

test('JSON lines with level label, time, message and the root module', () => {
  const { logger, lines } = capture({ role: 'sync' });
  logger.info({ user_id: '@a:b' }, 'hello');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 'info', msg: 'hello', module: 'root', role: 'sync', user_id: '@a:b' });
  expect(new Date(lines[0]!.time as string).getTime()).not.toBeNaN();
  expect(lines[0]).not.toHaveProperty('request_id');
});

test('the level comes from the options', () => {
  const { logger, lines } = capture({ level: 'warn' });
  logger.info('dropped');
  logger.debug('dropped');
  logger.warn('kept');
  logger.error('kept too');
  expect(lines.map((l) => l.level)).toEqual(['warn', 'error']);
  const verbose = capture({ level: 'trace' });
  verbose.logger.trace('seen');
  expect(verbose.lines).toHaveLength(1);
});

test('child loggers name their module once, however deep', () => {
  const { logger, lines, raw } = capture();
  const fed = childLogger(logger, 'federation');
  const sender = childLogger(fed, 'federation.sender');
  fed.info('a');
  sender.info('b');
  logger.info('c');
  expect(lines.map((l) => l.module)).toEqual(['federation', 'federation.sender', 'root']);
  for (const line of raw) expect(line.match(/"module"/g)).toHaveLength(1);
});

test('child loggers keep the level and bindings of their parent', () => {
  const { logger, lines } = capture({ level: 'warn', role: 'media' });
  const child = childLogger(logger.child({ shard: 2 }), 'thumbnails');
  child.info('dropped');
  child.warn('kept');
  expect(lines).toEqual([expect.objectContaining({ module: 'thumbnails', role: 'media', shard: 2, msg: 'kept' })]);
});

test('lines written while a request runs carry its id, across awaits', async () => {
  const { logger, lines } = capture();
  const db = childLogger(logger, 'storage');
  const id = newRequestId('GET');
  await runWithRequestId(id, async () => {
    logger.info('start');
    await new Promise((r) => setTimeout(r, 1));
    db.info('query');
    expect(currentRequestId()).toBe(id);
  });
  logger.info('after');
  expect(currentRequestId()).toBeUndefined();
  expect(lines.map((l) => [l.msg, l.module, l.request_id])).toEqual([
    ['start', 'root', id],
    ['query', 'storage', id],
    ['after', 'root', undefined],
  ]);
});

test('concurrent requests keep their own ids', async () => {
  const { logger, lines } = capture();
  const ids = [newRequestId(), newRequestId()];
  // Request 0 logs only after request 1 did, while both are in flight (an order set by the test, not by timers).
  let firstLogged!: () => void;
  const first = new Promise<void>((r) => (firstLogged = r));
  await Promise.all([
    runWithRequestId(ids[0]!, async () => {
      await first;
      logger.info('0');
    }),
    runWithRequestId(ids[1]!, async () => {
      await new Promise((r) => setImmediate(r));
      logger.info('1');
      firstLogged();
    }),
  ]);
  expect(lines.map((l) => [l.msg, l.request_id])).toEqual([
    ['1', ids[1]],
    ['0', ids[0]],
  ]);
});

test('requestLogger binds an id outside the async context, once per line', () => {
  const { logger, lines, raw } = capture();
  const log = requestLogger(childLogger(logger, 'client'), 'req-1');
  runWithRequestId('req-2', () => log.info('x'));
  expect(lines[0]).toMatchObject({ module: 'client', request_id: 'req-1' });
  expect(raw[0]!.match(/"request_id"/g)).toHaveLength(1);
});

test('request ids are unique and carry the method', () => {
  const ids = new Set(Array.from({ length: 1000 }, () => newRequestId()));
  expect(ids.size).toBe(1000);
  expect(newRequestId('put')).toMatch(/^PUT-[0-9a-f]{8}-[0-9a-z]+$/);
});
