import type { Ctx } from '../context.js';
import type { Params } from '../http.js';
import { hasScope, issueAccessToken, issueIdToken } from '../tokens.js';
import { grantError, invalidGrant, type GrantResult } from './result.js';

const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return Buffer.from(digest).toString('base64url');
}

/** grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.5). */
/** `jkt`: the DPoP key of the request; it binds the family and the access token (RFC 9449 §5). */
export async function authorizationCodeGrant(ctx: Ctx, p: Params, clientId: string, issuer: string, jkt?: string): Promise<GrantResult> {
  const code = p.get('code');
  const redirectUri = p.get('redirect_uri');
  if (!code) return grantError(400, 'invalid_request', 'Missing required parameter: code');
  if (!redirectUri) return grantError(400, 'invalid_request', 'Missing required parameter: redirect_uri');
  const verifier = p.get('code_verifier');
  if (verifier !== undefined && !VERIFIER.test(verifier)) {
    return grantError(400, 'invalid_request', 'code_verifier must be 43-128 characters of [A-Za-z0-9._~-]');
  }
  // Hash before reading state: everything from the lookup to marking the code used runs without an await.
  const computed = verifier === undefined ? null : await s256(verifier);
  const rec = ctx.store.codes.get(code);
  if (!rec || rec.clientId !== clientId) return invalidGrant(ctx, 'Invalid authorization code');
  const store = ctx.store;
  if (rec.usedAt !== null) {
    // RFC 6749 §4.1.2: a replayed code revokes what it produced.
    store.emit({ type: 'code.replayed', sub: rec.sub, clientId, ...(rec.family ? { family: rec.family } : {}) });
    for (const jti of rec.jtis) {
      const a = store.accessTokens.get(jti);
      if (a) a.revoked = true;
    }
    const f = rec.family ? store.families.get(rec.family) : undefined;
    if (f) store.revokeFamily(f, 'code_replayed');
    return invalidGrant(ctx, 'Invalid authorization code', rec.family ?? undefined);
  }
  if (store.now() >= rec.expiresAt) return invalidGrant(ctx, 'Authorization code expired');
  if (rec.redirectUri !== redirectUri) return invalidGrant(ctx, 'redirect_uri does not match the authorization request');
  if (computed === null) return invalidGrant(ctx, 'Missing code_verifier: the code was issued with a code_challenge');
  if (computed !== rec.challenge) return invalidGrant(ctx, 'Failed to verify code verifier');
  const user = ctx.opts.users.get(rec.sub);
  if (!user) return invalidGrant(ctx, 'User no longer exists');

  rec.usedAt = store.now();
  const family = hasScope(rec.scope, 'offline_access')
    ? store.createFamily({ sub: rec.sub, clientId, audience: rec.audience, scope: rec.scope, authTime: rec.authTime, mfa: rec.mfa === true, jkt: jkt ?? null })
    : null;
  rec.family = family?.id ?? null;
  const jti = crypto.randomUUID();
  rec.jtis.push(jti);
  const at = await issueAccessToken(ctx, { issuer, clientId, sub: rec.sub, scope: rec.scope, audience: rec.audience, family: rec.family, jti, jkt, authTime: rec.authTime, mfa: rec.mfa === true });
  const body: Record<string, unknown> = {
    access_token: at.token,
    token_type: jkt ? 'DPoP' : 'Bearer',
    expires_in: at.expiresIn,
    scope: rec.scope,
  };
  if (hasScope(rec.scope, 'openid')) {
    body.id_token = await issueIdToken(ctx, { issuer, clientId, user, scope: rec.scope, authTime: rec.authTime, nonce: rec.nonce });
  }
  if (family) {
    body.refresh_token = family.tokens[0]!.value;
    body.refresh_token_expires_in = store.secondsLeft(family); // the family's absolute lifetime (Auth0, Okta, Entra)
  }
  return { status: 200, body, ...(family ? { family: family.id } : {}) };
}
