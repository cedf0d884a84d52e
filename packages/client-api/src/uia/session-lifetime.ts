/** Long enough to read an email or find a password manager, short enough to expire abandoned sessions. */
export const UIA_SESSION_LIFETIME_MS = 30 * 60_000;
