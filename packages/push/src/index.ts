// Public API of @lattice/push: appended by the modules that define it.
export { createPushModule, pushQueueFor, type PushModule, type PushModuleOptions } from './push-module.js';
export type { PushQueue, PushJob, PushJobHandler, RetryPolicy } from './pushers/push-queue.js';
export { InProcessPushQueue } from './pushers/in-process-push-queue.js';
export { BullMqPushQueue, type BullMqPushQueueOptions } from './pushers/bullmq-push-queue.js';
export { NotificationFanout, notifiedUsers, type EventNotifications } from './notifications/notification-fanout.js';
export { RoomPushFactsCache } from './notifications/room-push-facts.js';
export { CompiledRulesCache } from './rules/compiled-rules-cache.js';
