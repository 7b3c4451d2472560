import type { RouteArgs } from '../context.js';
import { corsHeaders } from '../cors.js';
import { json } from '../http.js';
import { authenticate, bearerError, hasScope, profileClaims } from '../tokens.js';

/** GET/POST /userinfo (OIDC Core 5.3); DPoP-bound tokens need `Authorization: DPoP` and a proof. */
export async function userinfo(args: RouteArgs): Promise<Response> {
  const { req, ctx } = args;
  const cors = corsHeaders(ctx, req);
  const v = await authenticate(args, cors);
  if (v instanceof Response) return v;
  const { sub, scope } = v.claims;
  if (!hasScope(scope, 'openid')) return bearerError(403, 'insufficient_scope', 'The access token lacks the openid scope', cors);
  const user = ctx.opts.users.get(sub);
  if (!user) return bearerError(401, 'invalid_token', 'Unknown user', cors);
  return json({ sub: user.sub, ...profileClaims(user, scope) }, 200, { ...cors, ...v.headers });
}
