import type { RouteArgs } from '../context.js';
import { corsHeaders } from '../cors.js';
import { json } from '../http.js';
import { verifyAccessToken } from '../tokens.js';
import { bearerError } from './userinfo.js';

/** GET /api/private: a protected demo API. Checks signature, exp, and that the token's family was not revoked. */
export async function privateApi({ req, ctx, issuer }: RouteArgs): Promise<Response> {
  const cors = corsHeaders(ctx, req);
  const v = await verifyAccessToken(ctx, req, issuer);
  if (!v.ok) return bearerError(401, 'invalid_token', v.error, cors);
  const { sub, aud, scope, exp } = v.claims;
  return json(
    { message: `Hello ${sub}, this came from the protected API.`, sub, aud, scope, exp },
    200,
    cors,
  );
}
