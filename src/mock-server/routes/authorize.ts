import { authorizeError, deliver } from '../authorize-response.js';
import { validateAuthorize, type AuthRequest } from '../authorize-request.js';
import { declinedScopes, issueCode } from '../codes.js';
import type { Ctx, RouteArgs } from '../context.js';
import { errorLine, errorPage, isNavigation, isTopLevelNavigation } from '../error-page.js';
import { collectParams, oauthError, randomToken, readBodyParams, redirect } from '../http.js';
import { createSession, currentSession, loginBinding, loginBindingCookie, sessionCookie } from '../session.js';
import type { Session } from '../store.js';

const PENDING_TTL_MS = 10 * 60 * 1000;

/** GET (or form POST) /authorize: Authorization Code + PKCE. */
export async function authorize({ req, url, ctx, issuer }: RouteArgs): Promise<Response> {
  const parsed = req.method === 'POST' ? await readBodyParams(req) : collectParams(url.searchParams);
  const v = validateAuthorize(ctx, parsed);
  if (v.kind !== 'ok') ctx.opts.onLog?.(errorLine(v.error, v.description, v.help));
  if (v.kind === 'direct') {
    // a browser navigation gets a page that names the fix; API clients get JSON as before
    return isNavigation(req) ? errorPage(v.status, v.error, v.description, v.help) : oauthError(v.status, v.error, v.description);
  }
  if (v.kind === 'redirect') {
    const back = authorizeError(v.target, issuer, v.error, v.description);
    // a configuration mistake on a top-level page load: the page (with a link back carrying the error);
    // silent (prompt=none), iframe and web_message requests still get the OAuth error response
    const silent = v.target.responseMode === 'web_message' || parsed.params.get('prompt')?.split(' ').includes('none');
    const location = back.headers.get('location');
    if (v.help && !silent && location && isTopLevelNavigation(req)) return errorPage(400, v.error, v.description, v.help, location);
    return back;
  }
  const r = v.request;
  ctx.store.emit({ type: 'authorize', clientId: r.clientId, detail: { prompt: [...r.prompt].join(' '), response_mode: r.responseMode } });

  const session = currentSession(ctx, req);
  const nowSec = Math.floor(ctx.store.now() / 1000);
  const tooOld = session !== null && r.maxAge !== null && nowSec - session.authTime > r.maxAge;
  const mfaMissing = session !== null && ctx.store.mfaRequired.has(session.sub) && !session.mfa;
  const needLogin = session === null || tooOld || r.prompt.has('login') || mfaMissing;

  if (r.prompt.has('none')) {
    if (session === null || tooOld) return authorizeError(r, issuer, 'login_required', 'Login required');
    if (mfaMissing) return authorizeError(r, issuer, 'interaction_required', 'Multi-factor authentication required');
    if (!ctx.store.hasConsent(session.sub, r.clientId)) return authorizeError(r, issuer, 'consent_required', 'Consent required');
    return deliver(r, issuer, { code: issueCode(ctx, r, session) });
  }

  const needConsent = r.prompt.has('consent') || session === null || !ctx.store.hasConsent(session.sub, r.clientId);
  if (!needLogin && !needConsent && session) return deliver(r, issuer, { code: issueCode(ctx, r, session) });

  if (ctx.opts.autoLogin !== null) {
    // autoLogin passes the MFA step when MFA is required for the user (then its tokens carry acr)
    const s = needLogin || !session ? createSession(ctx, ctx.opts.autoLogin, ctx.store.mfaRequired.has(ctx.opts.autoLogin)) : session;
    return complete(ctx, r, issuer, s, s !== session);
  }
  const id = randomToken(16);
  const binding = loginBinding(req);
  ctx.store.addPending({ id, request: r, expiresAt: ctx.store.now() + PENDING_TTL_MS, binding });
  return redirect(`${url.origin}/u/login?state=${encodeURIComponent(id)}`, { 'Set-Cookie': loginBindingCookie(binding, PENDING_TTL_MS / 1000) });
}

/**
 * Grants consent (minus `declinedAtConsent`, the scopes unticked on the
 * consent screen) and answers the client with a code; sets the cookie for a
 * new session.
 */
export function complete(ctx: Ctx, r: AuthRequest, issuer: string, s: Session, newSession: boolean, declinedAtConsent: string[] = []): Response {
  ctx.store.grantConsent(s.sub, r.clientId, declinedAtConsent);
  const headers: Record<string, string> = newSession ? { 'Set-Cookie': sessionCookie(ctx, s) } : {};
  return deliver(r, issuer, { code: issueCode(ctx, r, s, declinedScopes(ctx, s.sub, r.clientId, declinedAtConsent)) }, headers);
}
