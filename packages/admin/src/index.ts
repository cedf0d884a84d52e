// Public API of @lattice/admin.
export { adminRouter } from './admin-router.js';
export { requireServerAdmin } from './http/require-admin.js';
