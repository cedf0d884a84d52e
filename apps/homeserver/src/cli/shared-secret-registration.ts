import { createHmac } from 'node:crypto';

export interface SharedSecretRegistration {
  baseUrl: string;
  sharedSecret: string;
  username: string;
  password: string;
  admin: boolean;
  displayname?: string;
}

/**
 * Synapse's shared-secret registration (/_synapse/admin/v1/register): fetch a
 * one-time nonce, then prove knowledge of the secret with
 * HMAC-SHA1(nonce \0 user \0 password \0 admin|notadmin).
 */
export async function registerWithSharedSecret(r: SharedSecretRegistration): Promise<{ user_id: string }> {
  const url = new URL('_synapse/admin/v1/register', r.baseUrl.endsWith('/') ? r.baseUrl : `${r.baseUrl}/`);
  const nonceRes = await fetch(url);
  if (!nonceRes.ok) throw new Error(`GET ${url} failed: ${nonceRes.status} ${await nonceRes.text()}`);
  const { nonce } = (await nonceRes.json()) as { nonce: string };
  const mac = createHmac('sha1', r.sharedSecret)
    .update(nonce)
    .update('\0')
    .update(r.username)
    .update('\0')
    .update(r.password)
    .update('\0')
    .update(r.admin ? 'admin' : 'notadmin')
    .digest('hex');
  const body: Record<string, unknown> = { nonce, username: r.username, password: r.password, admin: r.admin, mac };
  if (r.displayname) body.displayname = r.displayname;
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as { user_id?: string; errcode?: string; error?: string };
  if (!res.ok || !json.user_id) throw new Error(`registration failed: ${json.errcode ?? res.status} ${json.error ?? ''}`.trim());
  return { user_id: json.user_id };
}
