export type * from './types.js';
export { ConfigError } from './config-error.js';
export { loadConfig, parseConfig, type ParseConfigOptions } from './load.js';
export { generateConfigYaml, type GenerateConfigOptions } from './generate.js';
export { ENV_PREFIX } from './env-overrides.js';
export { DEFAULT_IP_RANGE_BLACKLIST, DEFAULT_LISTENERS } from './homeserver-schema.js';
export { parseSize, parseDuration } from './units.js';
export { WORKER_ROLES, WRITTEN_STREAMS } from './worker-schema.js';
export { effectiveRetention, inJobRange, type RetentionPolicy } from './retention-policy.js';
