import { timingSafeEqual } from 'node:crypto';
import { logoutUrlAllowed, originAllowed } from '../clients.js';
import type { Ctx, RouteArgs } from '../context.js';
import { collectParams, escapeHtml, html, oauthError, randomToken, readBodyParams, redirect, tryUrl, type Params, type ParamsResult } from '../http.js';
import { clearedSessionCookie, currentSession, isCrossSite } from '../session.js';
import type { Session } from '../store.js';
import { verifyOwnJwt } from '../tokens.js';

/** The confirmation form's field carrying the session's CSRF token. */
const CSRF_FIELD = 'csrf';
const FRAME = { 'Content-Security-Policy': "frame-ancestors 'none'", 'X-Frame-Options': 'DENY' };

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Logout CSRF: the session ends for a same-site request (Sec-Fetch-Site same-origin, same-site or none, or
 * absent for non-browser clients), with a valid `id_token_hint` of the session's user, from a page on one
 * of the client's origins (Origin / Referer), or with the confirmation form's CSRF token. Any other (cross-site) request gets the confirmation page instead.
 */
function mayEnd(ctx: Ctx, req: Request, s: Session | null, params: Params, hintSub: string | undefined, clientId: string | undefined): boolean {
  if (s === null) return true; // nothing to end: clearing a cookie that names no session is harmless
  if (!isCrossSite(req)) return true;
  if (hintSub !== undefined && hintSub === s.sub) return true;
  if (fromClientOrigin(ctx, req, clientId)) return true;
  const csrf = params.get(CSRF_FIELD);
  return req.method === 'POST' && csrf !== undefined && s.logoutCsrf !== undefined && sameToken(csrf, s.logoutCsrf);
}

/**
 * A cross-site request whose page is one of the client's own origins (the browser's `Origin`, or the
 * origin of `Referer`, which a page cannot forge for another origin): an SDK's logout() from the app,
 * which sends no id_token_hint to Auth0's /v2/logout. Without either header the request is not trusted.
 */
function fromClientOrigin(ctx: Ctx, req: Request, clientId: string | undefined): boolean {
  const origin = req.headers.get('origin') ?? tryUrl(req.headers.get('referer') ?? '')?.origin ?? null;
  if (origin === null || origin === 'null') return false;
  const clients = clientId !== undefined ? [ctx.opts.clients.get(clientId)] : [...ctx.opts.clients.values()];
  return clients.some((c) => c !== undefined && originAllowed(c, origin));
}

function confirmPage(ctx: Ctx, s: Session, url: URL, params: Params): Response {
  s.logoutCsrf ??= randomToken(24);
  const hidden = [...params]
    .filter(([k]) => k !== CSRF_FIELD)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  return html(
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign out? · rotor-auth mock server</title>
<style>body{font:16px system-ui,sans-serif;background:#f4f5f7;margin:0;display:grid;place-items:center;min-height:100vh}form{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:min(22rem,90vw)}button{margin-top:1rem;width:100%;padding:.6rem;background:#3451b2;color:#fff;border:0;border-radius:4px;font-size:1rem}.muted{color:#666;font-size:.85rem}</style>
</head><body>
<form method="post" action="${escapeHtml(url.pathname)}">
<h1>Sign out?</h1>
<p>Another site asked to end your session at this server.</p>
<p class="muted">The logout request came from another site without an id_token_hint, so the mock server asks first (logout CSRF).</p>
${hidden}<input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(s.logoutCsrf)}">
<button type="submit">Sign out</button>
</form></body></html>`,
    200,
    FRAME,
  );
}

function endSession(ctx: Ctx, s: Session | null, target: string | null): Response {
  if (s) {
    ctx.store.sessions.delete(s.id);
    ctx.store.emit({ type: 'logout', sub: s.sub });
  }
  const headers = { 'Set-Cookie': clearedSessionCookie(ctx) };
  if (target) return redirect(target, headers);
  return html('<!doctype html><html><head><meta charset="utf-8"><title>Signed out</title></head><body><p>You are signed out.</p></body></html>', 200, headers);
}

function allowedByAnyClient(ctx: Ctx, uri: string, clientId: string | undefined): boolean {
  if (clientId !== undefined) {
    const c = ctx.opts.clients.get(clientId);
    return c !== undefined && logoutUrlAllowed(c, uri);
  }
  return [...ctx.opts.clients.values()].some((c) => logoutUrlAllowed(c, uri));
}

async function readParams(req: Request, url: URL): Promise<ParamsResult> {
  return req.method === 'POST' ? readBodyParams(req) : collectParams(url.searchParams);
}

type Hint = { ok: true; aud: string | undefined; sub: string | undefined } | { ok: false; res: Response };

async function checkHint(ctx: Ctx, issuer: string, hint: string | undefined, clientId: string | undefined): Promise<Hint> {
  if (hint === undefined) return { ok: true, aud: undefined, sub: undefined };
  const claims = await verifyOwnJwt(ctx, hint, issuer, { ignoreExpiry: true });
  if (!claims || typeof claims.aud !== 'string') return { ok: false, res: oauthError(400, 'invalid_request', 'id_token_hint is not a valid ID token of this issuer') };
  if (clientId !== undefined && claims.aud !== clientId) return { ok: false, res: oauthError(400, 'invalid_request', 'id_token_hint was not issued to client_id') };
  return { ok: true, aud: claims.aud, sub: typeof claims.sub === 'string' ? claims.sub : undefined };
}

/** GET /v2/logout (Auth0; POST is the confirmation form): clears the session; redirects only to an allowed `returnTo`. */
export async function v2Logout({ req, url, ctx, issuer }: RouteArgs): Promise<Response> {
  const parsed = await readParams(req, url);
  if (!parsed.ok) return oauthError(400, 'invalid_request', parsed.description);
  const p = parsed.params;
  const clientId = p.get('client_id');
  if (clientId !== undefined && !ctx.opts.clients.has(clientId)) return oauthError(400, 'invalid_client', 'Unknown client');
  const returnTo = p.get('returnTo') ?? null;
  if (returnTo !== null && !allowedByAnyClient(ctx, returnTo, clientId)) {
    return oauthError(400, 'invalid_request', 'returnTo is not an allowed logout URL');
  }
  const hint = await checkHint(ctx, issuer, p.get('id_token_hint'), clientId);
  if (!hint.ok) return hint.res;
  const s = currentSession(ctx, req);
  if (!mayEnd(ctx, req, s, p, hint.sub, clientId)) return confirmPage(ctx, s!, url, p);
  return endSession(ctx, s, returnTo);
}

/** GET/POST OIDC RP-Initiated Logout (`end_session_endpoint`). */
export async function oidcLogout({ req, url, ctx, issuer }: RouteArgs): Promise<Response> {
  const parsed = await readParams(req, url);
  if (!parsed.ok) return oauthError(400, 'invalid_request', parsed.description);
  const p = parsed.params;
  let clientId = p.get('client_id');
  const hint = await checkHint(ctx, issuer, p.get('id_token_hint'), clientId);
  if (!hint.ok) return hint.res;
  clientId ??= hint.aud;
  if (clientId !== undefined && !ctx.opts.clients.has(clientId)) return oauthError(400, 'invalid_client', 'Unknown client');
  const postLogout = p.get('post_logout_redirect_uri') ?? null;
  let target: string | null = null;
  if (postLogout !== null) {
    if (clientId === undefined) return oauthError(400, 'invalid_request', 'post_logout_redirect_uri needs client_id or id_token_hint');
    if (!allowedByAnyClient(ctx, postLogout, clientId)) return oauthError(400, 'invalid_request', 'post_logout_redirect_uri is not allowed');
    const u = new URL(postLogout);
    const state = p.get('state');
    if (state !== undefined) u.searchParams.set('state', state);
    target = u.toString();
  }
  const s = currentSession(ctx, req);
  if (!mayEnd(ctx, req, s, p, hint.sub, clientId)) return confirmPage(ctx, s!, url, p);
  return endSession(ctx, s, target);
}
