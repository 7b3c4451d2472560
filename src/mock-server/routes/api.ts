import type { RouteArgs } from '../context.js';
import { corsHeaders } from '../cors.js';
import { json } from '../http.js';
import { authenticate } from '../tokens.js';

/**
 * GET /api/private: a protected demo API. Checks signature, exp, that the token's family was not
 * revoked and, for a DPoP-bound token, `Authorization: DPoP` with a proof from the bound key.
 */
export async function privateApi(args: RouteArgs): Promise<Response> {
  const cors = corsHeaders(args.ctx, args.req);
  const v = await authenticate(args, cors);
  if (v instanceof Response) return v;
  const { sub, aud, scope, exp } = v.claims;
  return json(
    { message: `Hello ${sub}, this came from the protected API.`, sub, aud, scope, exp },
    200,
    { ...cors, ...v.headers },
  );
}
