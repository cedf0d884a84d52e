/**
 * Structured logging: JSON lines through pino. Every line carries `module`
 * and, while a request is handled, `request_id`.
 *
 * Both come from a mixin rather than pino bindings: bindings accumulate, so a
 * child of a child would print `module` twice.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { HomeserverConfig } from '../config/types.js';
import { bufferedStdout } from './buffered-stdout.js';
import { currentRequestId } from './request-context.js';

export type { Logger } from 'pino';
export type LogLevel = HomeserverConfig['log_level'];

const MODULE = Symbol('lattice.module');
const REQUEST_ID = Symbol('lattice.request_id');

interface Tagged {
  [MODULE]?: string;
  [REQUEST_ID]?: string;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** The process's worker role (e.g. "sync"), added to every line. */
  role?: string;
  /** Module name of the root logger's own lines; defaults to "root". */
  module?: string;
  /** Where lines go; defaults to stdout, written in batches (buffered-stdout.ts). */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: options.role ? { role: options.role } : {},
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: (_obj, _level, instance) => {
        const tags = instance as unknown as Tagged;
        const requestId = tags[REQUEST_ID] ?? currentRequestId();
        return requestId === undefined ? { module: tags[MODULE] } : { module: tags[MODULE], request_id: requestId };
      },
    },
    options.destination ?? bufferedStdout(),
  );
  (logger as unknown as Tagged)[MODULE] = options.module ?? 'root';
  return logger;
}

/** A logger whose lines say they come from `module` (e.g. "federation.sender"). */
export function childLogger(parent: Logger, module: string): Logger {
  const child = parent.child({});
  (child as unknown as Tagged)[MODULE] = module;
  return child;
}

/**
 * A logger bound to one request, for code that outlives the request's async
 * context (a callback queued elsewhere). Inside the handler, runWithRequestId
 * already tags every line.
 */
export function requestLogger(parent: Logger, requestId: string): Logger {
  const child = parent.child({});
  (child as unknown as Tagged)[REQUEST_ID] = requestId;
  return child;
}
