// Public API of @lattice/rooms: appended by the modules that define it.
export * from './api.js';
export * from './replication-port.js';
export * from './store.js';
export * from './persister.js';
export * from './client-event.js';
export * from './rooms.js';
export * from './relations.js';
export * from './redactions.js';
export * from './lru.js';
export * from './visibility/history-visibility.js';
export * from './visibility/filter-events-for-user.js';
export * from './visibility/room-read-access.js';
export * from './aggregations/bundle-aggregations.js';
export * from './aggregations/related-events.js';
export * from './aggregations/thread-roots.js';
export type { OrderedEventRef } from './aggregations/position-bound.js';
