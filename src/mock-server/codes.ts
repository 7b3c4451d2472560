import type { AuthRequest } from './authorize-request.js';
import type { Ctx } from './context.js';
import { randomToken } from './http.js';
import type { Session } from './store.js';

/**
 * Scope actually granted: `offline_access` is dropped when the API does not
 * allow offline access, and every scope the user declined (at the consent
 * screen, or by the user's `declineScopes`) is dropped; `openid` always stays.
 */
export function grantedScope(ctx: Ctx, scope: string, audience: string | null, declined: readonly string[] = []): string {
  const api = audience ? ctx.opts.apis.get(audience) : undefined;
  const offlineAllowed = audience === null || api?.allowOfflineAccess === true;
  return scope
    .split(' ')
    .filter((s) => s && (s !== 'offline_access' || offlineAllowed) && (s === 'openid' || !declined.includes(s)))
    .join(' ');
}

/** The scopes declined for this user and client: at their last consent, plus the user's standing declines. */
export function declinedScopes(ctx: Ctx, sub: string, clientId: string, atConsent: readonly string[] = ctx.store.consentDeclined(sub, clientId)): string[] {
  return [...new Set([...atConsent, ...ctx.store.userDeclines(sub)])];
}

/** Issues a single-use authorization code bound to the client, redirect URI and PKCE challenge. */
export function issueCode(ctx: Ctx, r: AuthRequest, session: Session, declined: readonly string[] = declinedScopes(ctx, session.sub, r.clientId)): string {
  const code = randomToken(24);
  ctx.store.addCode({
    code,
    clientId: r.clientId,
    redirectUri: r.redirectUri,
    challenge: r.challenge,
    sub: session.sub,
    scope: grantedScope(ctx, r.scope, r.audience, declined),
    audience: r.audience,
    nonce: r.nonce,
    authTime: session.authTime,
    mfa: session.mfa,
    expiresAt: ctx.store.now() + ctx.opts.codeTtl * 1000,
    usedAt: null,
    family: null,
    jtis: [],
  });
  ctx.store.emit({ type: 'code.issued', sub: session.sub, clientId: r.clientId });
  return code;
}
