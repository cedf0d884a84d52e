// Public API of @lattice/sync: appended by the modules that define it.
export * from './router.js';
export { createSyncServices, type SyncServices } from './services.js';
export type { SyncContribution, SyncExtension, SyncExtensionRequest, SyncStart } from './sync/extensions.js';
export type { SyncPresence } from './sync/sync-params.js';
export { threadOf, MAIN_THREAD } from './notifications/thread-of.js';
export { UnreadCounter, type NotificationCounts, type RoomUnreadCounts, type RoomToCount } from './notifications/unread-counts.js';
export { UnreadMemo } from './notifications/unread-memo.js';
export { sendServerNotice, unpinServerNotice, systemUserId, SERVER_NOTICE_TAG, type NoticeOptions, type ServerNotice, type SentNotice } from './server-notices/send-server-notice.js';
export { putReceipt, UNTHREADED, type Receipt } from './stores/receipts.js';
