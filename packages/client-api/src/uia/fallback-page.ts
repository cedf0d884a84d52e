/**
 * The HTML of the UIA fallback pages (spec "Fallback"): a form for the stage
 * and, once it is completed, the page that runs the spec's completion script
 * (window.onAuthDone, else postMessage("authDone") to the opener). Every value
 * put into the page is HTML-escaped; the Content-Security-Policy allows no
 * script but the completion script (by hash), no framing, and forms posting
 * only back to this server.
 */
import { createHash } from 'node:crypto';

const DONE_SCRIPT =
  'if (window.onAuthDone) { window.onAuthDone(); } ' +
  'else if (window.opener && window.opener.postMessage) { window.opener.postMessage("authDone", "*"); }';

const STYLE = 'body{font-family:sans-serif;max-width:28em;margin:3em auto;padding:0 1em}.error{color:#b00}input,button{font-size:1em}';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export const FALLBACK_CSP = [
  "default-src 'none'",
  `script-src ${sha256(DONE_SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string, script = ''): string {
  return (
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>\n<body>${body}${script}</body></html>\n`
  );
}

export interface FallbackForm {
  stage: 'm.login.password' | 'm.login.dummy';
  sessionId: string;
  /** The account whose password is asked for (password stage). */
  userId: string | null;
  error?: string;
}

export function fallbackFormPage(form: FallbackForm): string {
  const error = form.error === undefined ? '' : `<p class="error">${escapeHtml(form.error)}</p>`;
  const session = `<input type="hidden" name="session" value="${escapeHtml(form.sessionId)}">`;
  if (form.stage === 'm.login.password') {
    const who = form.userId === null ? '' : ` for ${escapeHtml(form.userId)}`;
    return page(
      'Confirm your identity',
      `<h1>Confirm your identity</h1><p>Enter the password${who} to continue.</p>${error}` +
        `<form method="post">${session}<p><input type="password" name="password" autocomplete="current-password" required autofocus></p>` +
        `<p><button type="submit">Continue</button></p></form>`,
    );
  }
  return page(
    'Continue',
    `<h1>Continue</h1><p>Press the button to complete this step.</p>${error}` +
      `<form method="post">${session}<p><button type="submit">Continue</button></p></form>`,
  );
}

export function fallbackDonePage(): string {
  return page(
    'Authentication complete',
    '<h1>Authentication complete</h1><p>You may close this window and return to the application.</p>',
    `<script>${DONE_SCRIPT}</script>`,
  );
}
