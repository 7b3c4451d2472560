import type { AuthRequest } from './authorize-request.js';
import type { Ctx } from './context.js';
import { randomToken } from './http.js';
import type { Session } from './store.js';

/** Scope actually granted: `offline_access` is dropped when the API does not allow offline access. */
export function grantedScope(ctx: Ctx, scope: string, audience: string | null): string {
  const api = audience ? ctx.opts.apis.get(audience) : undefined;
  const offlineAllowed = audience === null || api?.allowOfflineAccess === true;
  return scope
    .split(' ')
    .filter((s) => s && (s !== 'offline_access' || offlineAllowed))
    .join(' ');
}

/** Issues a single-use authorization code bound to the client, redirect URI and PKCE challenge. */
export function issueCode(ctx: Ctx, r: AuthRequest, session: Session): string {
  const code = randomToken(24);
  ctx.store.codes.set(code, {
    code,
    clientId: r.clientId,
    redirectUri: r.redirectUri,
    challenge: r.challenge,
    sub: session.sub,
    scope: grantedScope(ctx, r.scope, r.audience),
    audience: r.audience,
    nonce: r.nonce,
    authTime: session.authTime,
    expiresAt: ctx.store.now() + ctx.opts.codeTtl * 1000,
    usedAt: null,
    family: null,
    jtis: [],
  });
  ctx.store.emit({ type: 'code.issued', sub: session.sub, clientId: r.clientId });
  return code;
}
