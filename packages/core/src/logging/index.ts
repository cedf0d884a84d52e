export { createLogger, childLogger, requestLogger, type Logger, type LoggerOptions, type LogLevel } from './logger.js';
export { newRequestId, runWithRequestId, currentRequestId, type RequestContext } from './request-context.js';
