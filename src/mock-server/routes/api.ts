import type { RouteArgs } from '../context.js';
import { corsHeaders } from '../cors.js';
import { json } from '../http.js';
import { authenticate, bearerError } from '../tokens.js';

/**
 * GET /api/private: a protected demo API. Checks signature, exp, that the token's family was not
 * revoked, that its `aud` includes this API's identifier (`privateApiAudience`) and, for a DPoP-bound
 * token, `Authorization: DPoP` with a proof from the bound key.
 */
export async function privateApi(args: RouteArgs): Promise<Response> {
  const cors = corsHeaders(args.ctx, args.req);
  const v = await authenticate(args, cors);
  if (v instanceof Response) return v;
  const { sub, aud, scope, exp } = v.claims;
  const expected = args.ctx.opts.privateApiAudience;
  const auds = Array.isArray(aud) ? aud : [aud];
  if (expected === null || !auds.includes(expected)) {
    const why = expected === null ? 'no API is configured' : `its aud must include ${expected}`;
    return bearerError(401, 'invalid_token', `The access token is not for this API: ${why} (request the token with that audience; --private-api-audience changes it)`, { ...cors, ...v.headers });
  }
  return json(
    { message: `Hello ${sub}, this came from the protected API.`, sub, aud, scope, exp },
    200,
    { ...cors, ...v.headers },
  );
}
