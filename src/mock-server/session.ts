import type { Ctx } from './context.js';
import { parseCookies, randomToken } from './http.js';
import type { Session } from './store.js';

export const SESSION_COOKIE = 'rotor_session';
/** Binds pending logins to the browser that started them (login CSRF): set by /authorize, checked by POST /u/login. */
export const LOGIN_COOKIE = 'rotor_login';
const BINDING = /^[A-Za-z0-9_-]{22,64}$/;

/** The browser's login-binding value: the one its cookie carries, else a new one. */
export function loginBinding(req: Request): string {
  const v = parseCookies(req).get(LOGIN_COOKIE);
  return v !== undefined && BINDING.test(v) ? v : randomToken(18);
}

export function loginBindingCookie(value: string, maxAgeSeconds: number): string {
  return `${LOGIN_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}`;
}

/** True for a request a browser made: browsers send `Origin` on POSTs and `Sec-Fetch-Site` on everything (node's fetch sends `Sec-Fetch-Mode` only). */
export function isBrowserRequest(req: Request): boolean {
  return req.headers.has('origin') || req.headers.has('sec-fetch-site');
}

/** True when the request comes from another site (a browser says so with Sec-Fetch-Site). */
export function isCrossSite(req: Request): boolean {
  return req.headers.get('sec-fetch-site') === 'cross-site';
}

/** True for a request that a browser sends from a cross-site iframe. */
export function isCrossSiteIframe(req: Request): boolean {
  return req.headers.get('sec-fetch-site') === 'cross-site' && req.headers.get('sec-fetch-dest') === 'iframe';
}

/** The request's login session; in ITP mode the cookie is ignored on cross-site iframe requests. */
export function currentSession(ctx: Ctx, req: Request): Session | null {
  if (ctx.store.itp && isCrossSiteIframe(req)) return null;
  const id = parseCookies(req).get(SESSION_COOKIE);
  if (!id) return null;
  const s = ctx.store.sessions.get(id);
  if (!s || s.expiresAt <= ctx.store.now()) return null;
  return s;
}

export function createSession(ctx: Ctx, sub: string, mfa: boolean): Session {
  const now = ctx.store.now();
  const s: Session = { id: randomToken(24), sub, authTime: Math.floor(now / 1000), expiresAt: now + ctx.opts.sessionTtl * 1000, mfa };
  ctx.store.addSession(s);
  ctx.store.emit({ type: 'login', sub, detail: { mfa } });
  return s;
}

function attributes(ctx: Ctx): string {
  return ctx.opts.cookieSameSite === 'None' ? 'Path=/; HttpOnly; SameSite=None; Secure' : 'Path=/; HttpOnly; SameSite=Lax';
}

export function sessionCookie(ctx: Ctx, s: Session): string {
  return `${SESSION_COOKIE}=${s.id}; ${attributes(ctx)}; Max-Age=${ctx.opts.sessionTtl}`;
}

export function clearedSessionCookie(ctx: Ctx): string {
  return `${SESSION_COOKIE}=; ${attributes(ctx)}; Max-Age=0`;
}
