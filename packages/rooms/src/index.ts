// Public API of @lattice/rooms: appended by the modules that define it.
export * from './api.js';
export * from './replication-port.js';
