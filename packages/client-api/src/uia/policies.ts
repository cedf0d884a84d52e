/** The UIA flows of the endpoints that re-confirm an authenticated user's identity. */
import type { UiaPolicy } from './user-interactive-auth.js';

/** Password change, deactivation, device deletion: prove you know the account's password. */
export function passwordReauth(userId: string): UiaPolicy {
  return { flows: [['m.login.password']], userId };
}
