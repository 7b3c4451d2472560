import { logoutUrlAllowed } from '../clients.js';
import type { Ctx, RouteArgs } from '../context.js';
import { collectParams, html, oauthError, parseCookies, readBodyParams, redirect, type ParamsResult } from '../http.js';
import { clearedSessionCookie, SESSION_COOKIE } from '../session.js';
import { verifyOwnJwt } from '../tokens.js';

function endSession(ctx: Ctx, req: Request, target: string | null): Response {
  const id = parseCookies(req).get(SESSION_COOKIE);
  const s = id ? ctx.store.sessions.get(id) : undefined;
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

/** GET /v2/logout (Auth0): clears the session; redirects only to an allowed `returnTo`. */
export async function v2Logout({ req, url, ctx }: RouteArgs): Promise<Response> {
  const parsed = collectParams(url.searchParams);
  if (!parsed.ok) return oauthError(400, 'invalid_request', parsed.description);
  const clientId = parsed.params.get('client_id');
  if (clientId !== undefined && !ctx.opts.clients.has(clientId)) return oauthError(400, 'invalid_client', 'Unknown client');
  const returnTo = parsed.params.get('returnTo') ?? null;
  if (returnTo !== null && !allowedByAnyClient(ctx, returnTo, clientId)) {
    return oauthError(400, 'invalid_request', 'returnTo is not an allowed logout URL');
  }
  return endSession(ctx, req, returnTo);
}

/** GET/POST OIDC RP-Initiated Logout (`end_session_endpoint`). */
export async function oidcLogout({ req, url, ctx, issuer }: RouteArgs): Promise<Response> {
  const parsed: ParamsResult = req.method === 'POST' ? await readBodyParams(req) : collectParams(url.searchParams);
  if (!parsed.ok) return oauthError(400, 'invalid_request', parsed.description);
  const p = parsed.params;
  let clientId = p.get('client_id');
  const hint = p.get('id_token_hint');
  if (hint !== undefined) {
    const claims = await verifyOwnJwt(ctx, hint, issuer, { ignoreExpiry: true });
    if (!claims || typeof claims.aud !== 'string') return oauthError(400, 'invalid_request', 'id_token_hint is not a valid ID token of this issuer');
    if (clientId !== undefined && claims.aud !== clientId) return oauthError(400, 'invalid_request', 'id_token_hint was not issued to client_id');
    clientId = claims.aud;
  }
  if (clientId !== undefined && !ctx.opts.clients.has(clientId)) return oauthError(400, 'invalid_client', 'Unknown client');
  const postLogout = p.get('post_logout_redirect_uri') ?? null;
  if (postLogout === null) return endSession(ctx, req, null);
  if (clientId === undefined) return oauthError(400, 'invalid_request', 'post_logout_redirect_uri needs client_id or id_token_hint');
  if (!allowedByAnyClient(ctx, postLogout, clientId)) return oauthError(400, 'invalid_request', 'post_logout_redirect_uri is not allowed');
  const target = new URL(postLogout);
  const state = p.get('state');
  if (state !== undefined) target.searchParams.set('state', state);
  return endSession(ctx, req, target.toString());
}
