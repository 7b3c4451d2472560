import { hasControlChars, isLoopbackHttp, tryUrl } from './http.js';
import type { MockClient } from './types.js';

type Client = Required<MockClient>;

/** Exact match, or any path under a redirect origin, or any loopback URI when the client allows it. */
export function redirectUriAllowed(client: Client, uri: string): boolean {
  if (hasControlChars(uri)) return false;
  const u = tryUrl(uri);
  if (!u || u.hash || u.username || u.password) return false;
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  if (client.redirectUris.includes(uri)) return true;
  if (client.allowLoopbackRedirects && isLoopbackHttp(u)) return true;
  return client.redirectOrigins.includes(u.origin);
}

export function logoutUrlAllowed(client: Client, uri: string): boolean {
  if (hasControlChars(uri)) return false;
  return client.allowedLogoutUrls.includes(uri) || redirectUriAllowed(client, uri);
}

/** Origins allowed to call the token, revoke and userinfo endpoints from a browser. */
export function originAllowed(client: Client, origin: string): boolean {
  const u = tryUrl(origin);
  if (!u || u.origin !== origin) return false;
  if (client.allowLoopbackRedirects && isLoopbackHttp(u)) return true;
  if (client.redirectOrigins.includes(origin) || client.webOrigins.includes(origin)) return true;
  return client.redirectUris.some((r) => tryUrl(r)?.origin === origin);
}
