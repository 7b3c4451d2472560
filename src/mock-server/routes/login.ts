import type { RouteArgs } from '../context.js';
import { collectParams, escapeHtml, html, oauthError, parseCookies, readBodyParams } from '../http.js';
import { createSession, isBrowserRequest, isCrossSite, LOGIN_COOKIE } from '../session.js';
import type { PendingLogin } from '../store.js';
import { complete } from './authorize.js';

/** The one-time code accepted when MFA is required for a user (documented in the README of the mock server). */
export const DEMO_OTP = '123456';

/** Consent-screen checkbox name prefix: `grant:offline_access` ticked grants offline_access. */
export const GRANT_PREFIX = 'grant:';

/** Scopes unticked on the consent screen (a form without the consent field declines nothing). */
function declinedOnForm(p: PendingLogin, form: Map<string, string>): string[] {
  if (form.get('consent') !== '1') return [];
  return p.request.scope.split(' ').filter((s) => s && s !== 'openid' && !form.has(GRANT_PREFIX + s));
}

function page(p: PendingLogin, clientName: string, error: string | null, username = ''): string {
  // every scope but openid can be declined here (a narrower grant); all are ticked by default
  const scopes = p.request.scope
    .split(' ')
    .map((s) =>
      s === 'openid'
        ? `<li>${escapeHtml(s)}</li>`
        : `<li><label class="scope"><input type="checkbox" name="${escapeHtml(GRANT_PREFIX + s)}" checked> ${escapeHtml(s)}</label></li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · rotor-auth mock server</title>
<style>
body{font:16px system-ui,sans-serif;background:#f4f5f7;margin:0;display:grid;place-items:center;min-height:100vh}
form{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:min(22rem,90vw)}
label{display:block;margin:.8rem 0 .3rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1.2rem;width:100%;padding:.6rem;background:#3451b2;color:#fff;border:0;border-radius:4px;font-size:1rem}
.scope{display:inline;margin:0}.scope input{width:auto}.error{color:#b00020}.muted{color:#666;font-size:.85rem}ul{margin:.3rem 0;padding-left:1.2rem}
</style></head><body>
<form method="post" action="/u/login">
<h1>Sign in</h1>
<p class="muted">${escapeHtml(clientName)} asks for:</p><ul class="muted">${scopes}</ul>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<input type="hidden" name="state" value="${escapeHtml(p.id)}"><input type="hidden" name="consent" value="1">
<label for="username">Username</label><input id="username" name="username" autocomplete="username" value="${escapeHtml(username)}" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="otp">One-time code <span class="muted">(only when MFA is required)</span></label><input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code">
<button type="submit">Sign in and allow</button>
<p class="muted">Demo user: demo / demo</p>
</form></body></html>`;
}

const FRAME = { 'Content-Security-Policy': "frame-ancestors 'none'", 'X-Frame-Options': 'DENY' };

function pendingOf(a: RouteArgs, id: string | undefined): PendingLogin | null {
  if (!id) return null;
  const p = a.ctx.store.pending.get(id);
  return p && p.expiresAt > a.ctx.store.now() ? p : null;
}

/** GET /u/login: the login form for a pending authorization request. */
export async function loginPage(a: RouteArgs): Promise<Response> {
  const parsed = collectParams(a.url.searchParams);
  const p = pendingOf(a, parsed.ok ? parsed.params.get('state') : undefined);
  if (!p) return oauthError(400, 'invalid_request', 'Unknown or expired login transaction');
  if (p.binding !== undefined && parseCookies(a.req).get(LOGIN_COOKIE) === p.binding) a.ctx.store.markStarted(p);
  const client = a.ctx.opts.clients.get(p.request.clientId);
  return html(page(p, client?.name ?? p.request.clientId, null), 200, FRAME);
}

/** POST /u/login: checks the credentials, starts a session and answers the client. */
export async function loginSubmit(a: RouteArgs): Promise<Response> {
  const { ctx, issuer } = a;
  // login CSRF: a cross-site form post, or one from a browser that did not start this login, is refused
  if (isCrossSite(a.req)) return oauthError(403, 'access_denied', 'Cross-site login posts are refused (Sec-Fetch-Site: cross-site)');
  const parsed = await readBodyParams(a.req);
  if (!parsed.ok) return oauthError(400, 'invalid_request', parsed.description);
  const f = parsed.params;
  const p = pendingOf(a, f.get('state'));
  if (!p) return oauthError(400, 'invalid_request', 'Unknown or expired login transaction');
  // A browser always sends Origin (or Sec-Fetch-*) on a form post; only a browser can carry a session to a
  // victim, so non-browser clients (rotor-auth/testing's signIn, scripts) need no binding cookie.
  if (p.binding !== undefined && isBrowserRequest(a.req) && parseCookies(a.req).get(LOGIN_COOKIE) !== p.binding) {
    return oauthError(403, 'access_denied', 'This login was started in another browser (or its rotor_login cookie is missing): start it again from the application');
  }
  const clientName = ctx.opts.clients.get(p.request.clientId)?.name ?? p.request.clientId;
  const username = f.get('username') ?? '';
  const user = [...ctx.opts.users.values()].find((u) => u.username === username);
  if (!user || user.password !== (f.get('password') ?? '')) {
    return html(page(p, clientName, 'Wrong username or password.', username), 401, FRAME);
  }
  const mfaNeeded = ctx.store.mfaRequired.has(user.sub);
  if (mfaNeeded && f.get('otp') !== DEMO_OTP) {
    return html(page(p, clientName, 'Multi-factor authentication is required: enter the one-time code.', username), 401, FRAME);
  }
  ctx.store.removePending(p.id);
  const session = createSession(ctx, user.sub, mfaNeeded);
  return complete(ctx, p.request, issuer, session, true, declinedOnForm(p, f));
}
