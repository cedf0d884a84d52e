export { createLogger, childLogger, requestLogger, type Logger, type LoggerOptions, type LogLevel } from './logger.js';
export { newRequestId, runWithRequestId, currentRequestId, requestMemo, updateRequestMemo, type RequestContext } from './request-context.js';
