import type { RouteArgs } from '../context.js';
import { corsHeaders } from '../cors.js';
import { json, oauthError } from '../http.js';
import { hasScope, profileClaims, verifyAccessToken } from '../tokens.js';

/** 401 with the RFC 6750 WWW-Authenticate header. */
export function bearerError(status: number, error: string, description: string, headers: Record<string, string>): Response {
  return oauthError(status, error, description, {
    ...headers,
    'WWW-Authenticate': `Bearer error="${error}", error_description="${description.replace(/"/g, "'")}"`,
  });
}

/** GET/POST /userinfo (OIDC Core 5.3). */
export async function userinfo({ req, ctx, issuer }: RouteArgs): Promise<Response> {
  const cors = corsHeaders(ctx, req);
  const v = await verifyAccessToken(ctx, req, issuer);
  if (!v.ok) return bearerError(401, 'invalid_token', v.error, cors);
  const { sub, scope } = v.claims;
  if (!hasScope(scope, 'openid')) return bearerError(403, 'insufficient_scope', 'The access token lacks the openid scope', cors);
  const user = ctx.opts.users.get(sub);
  if (!user) return bearerError(401, 'invalid_token', 'Unknown user', cors);
  return json({ sub: user.sub, ...profileClaims(user, scope) }, 200, cors);
}
