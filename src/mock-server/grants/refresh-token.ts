import type { Ctx } from '../context.js';
import type { Params } from '../http.js';
import { checkDpopBinding } from '../dpop/validate.js';
import { reportRejection } from '../dpop/route.js';
import { hasScope, issueAccessToken, issueIdToken } from '../tokens.js';
import { grantError, invalidGrant, UNKNOWN_REFRESH_TOKEN, type GrantResult } from './result.js';

/**
 * grant_type=refresh_token with rotation on every use (RFC 9700 §4.14.2),
 * families, automatic reuse detection and Auth0's reuse interval.
 * From the token lookup to the rotation nothing awaits, so concurrent
 * requests presenting one token are decided one after the other.
 */
export async function refreshTokenGrant(ctx: Ctx, p: Params, clientId: string, issuer: string, replay = false, jkt?: string): Promise<GrantResult> {
  const presented = p.get('refresh_token');
  if (!presented) return grantError(400, 'invalid_request', 'Missing required parameter: refresh_token');
  const store = ctx.store;
  const f = store.refreshIndex.get(presented);
  if (!f || f.clientId !== clientId) return invalidGrant(ctx, UNKNOWN_REFRESH_TOKEN);
  // A DPoP-bound family answers only its key's proofs; a refusal changes nothing (no rotation, no
  // reuse detection, no revocation), so a thief holding the token cannot sign the user out.
  const unbound = checkDpopBinding(f.jkt ?? undefined, { ok: true, ...(jkt ? { jkt } : {}) });
  if (unbound) {
    reportRejection(ctx, unbound, { family: f.id, sub: f.sub, clientId });
    return grantError(400, unbound.error, unbound.error_description, f.id);
  }

  const scopeParam = p.get('scope');
  let scope = f.scope;
  if (scopeParam !== undefined) {
    const granted = new Set(f.scope.split(' '));
    const requested = scopeParam.split(' ').filter(Boolean);
    const extra = requested.filter((s) => !granted.has(s));
    if (extra.length > 0) return grantError(400, 'invalid_scope', `Scope not granted to this refresh token: ${extra.join(' ').slice(0, 200)}`, f.id);
    if (requested.length > 0) scope = [...new Set(requested)].join(' ');
  }
  const audienceParam = p.get('audience') || null;
  const audience = audienceParam ?? f.audience;
  if (audienceParam !== null && !ctx.opts.apis.has(audienceParam)) {
    return grantError(ctx.opts.errorProfile === 'auth0' ? 403 : 400, 'access_denied', `Service not found: ${audienceParam.slice(0, 200)}`, f.id);
  }
  // Auth0's "Allow Offline Access" switch: refresh tokens are not used for an API that does not allow them
  if (audience !== null && ctx.opts.apis.get(audience)?.allowOfflineAccess === false) {
    return grantError(ctx.opts.errorProfile === 'auth0' ? 403 : 400, 'access_denied', `The API ${audience.slice(0, 200)} does not allow offline access (refresh tokens)`, f.id);
  }
  if (store.checkExpiry(f) !== 'active') return invalidGrant(ctx, UNKNOWN_REFRESH_TOKEN, f.id);

  const idx = f.tokens.findIndex((t) => t.value === presented);
  const tok = f.tokens[idx]!;
  const last = f.tokens.length - 1;
  let next: string;
  let rotated = false;
  if (tok.state === 'current') {
    next = store.rotate(f);
    rotated = true;
  } else if (
    ctx.opts.reuseInterval > 0 &&
    idx === last - 1 &&
    tok.rotatedAt !== null &&
    store.now() - tok.rotatedAt <= ctx.opts.reuseInterval * 1000
  ) {
    next = f.tokens[last]!.value;
    store.touch(f);
    store.emit({ type: 'refresh_token.reuse_interval', family: f.id, sub: f.sub, clientId, replay, detail: { generation: idx } });
  } else {
    store.emit({ type: 'refresh_token.reuse_detected', family: f.id, sub: f.sub, clientId, replay, detail: { generation: idx, current: last } });
    store.revokeFamily(f, 'reuse_detected');
    return invalidGrant(ctx, UNKNOWN_REFRESH_TOKEN, f.id);
  }

  const bound = f.jkt ?? undefined;
  const at = await issueAccessToken(ctx, { issuer, clientId, sub: f.sub, scope, audience, family: f.id, jkt: bound, authTime: f.authTime, mfa: f.mfa === true });
  const body: Record<string, unknown> = {
    access_token: at.token,
    token_type: bound ? 'DPoP' : 'Bearer',
    expires_in: at.expiresIn,
    scope,
    refresh_token: next,
    refresh_token_expires_in: store.secondsLeft(f), // the family's absolute lifetime (Auth0, Okta, Entra)
  };
  const user = ctx.opts.users.get(f.sub);
  if (user && hasScope(scope, 'openid')) {
    body.id_token = await issueIdToken(ctx, { issuer, clientId, user, scope, authTime: f.authTime, nonce: null });
  }
  return { status: 200, body, family: f.id, rotated };
}
