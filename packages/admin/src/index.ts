// Public API of @lattice/admin.
export { adminRouter } from './admin-router.js';
export { requireServerAdmin } from './http/require-admin.js';
export { startRetentionPurges, runRetentionJob, type RetentionPurges } from './retention/retention-purges.js';
export { listenForPurgedRooms } from './purge/purged-room-caches.js';
export { resumeInterruptedJobs, startAdminJobRunner, type AdminJobRunner, type AdminJobRunnerOptions } from './purge/admin-job-runner.js';
