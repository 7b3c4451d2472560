import type { RouteArgs } from '../context.js';
import { corsHeaders } from '../cors.js';
import { checkBoundProof, nonceHeader, reportRejection } from '../dpop/route.js';
import { oauthError, readBodyParams } from '../http.js';

/**
 * POST /oauth/revoke (RFC 7009). Revoking a refresh token revokes its whole
 * family. Unknown tokens, tokens of another client and access tokens answer
 * 200 and change nothing.
 *
 * Deliberate deviation from RFC 7009 (which asks for no proof): revoking a
 * DPoP-bound refresh token needs a DPoP proof from the bound key, otherwise
 * a stolen bound token could still sign the user out. A missing or foreign
 * proof answers 400 `invalid_dpop_proof` and leaves the family alone.
 */
export async function revoke({ req, ctx, issuer }: RouteArgs): Promise<Response> {
  const parsed = await readBodyParams(req);
  const clientId = parsed.params.get('client_id');
  const cors = corsHeaders(ctx, req, clientId && ctx.opts.clients.has(clientId) ? clientId : undefined);
  if (!parsed.ok) return oauthError(400, 'invalid_request', parsed.description, cors);
  if (!clientId) return oauthError(400, 'invalid_request', 'Missing required parameter: client_id', cors);
  if (!ctx.opts.clients.has(clientId)) return oauthError(401, 'invalid_client', 'Unknown client', cors);
  const token = parsed.params.get('token');
  if (!token) return oauthError(400, 'invalid_request', 'Missing required parameter: token', cors);
  const f = ctx.store.refreshIndex.get(token);
  if (f && f.clientId === clientId && f.jkt) {
    const refused = await checkBoundProof(ctx, req, `${issuer}oauth/revoke`, f.jkt);
    if (refused) {
      reportRejection(ctx, refused, { family: f.id, sub: f.sub, clientId });
      return oauthError(400, refused.error, refused.error_description, { ...cors, ...nonceHeader(refused.nonce) });
    }
  }
  if (f && f.clientId === clientId && ctx.store.checkExpiry(f) === 'active') {
    ctx.store.emit({ type: 'refresh_token.revoked', family: f.id, sub: f.sub, clientId });
    ctx.store.revokeFamily(f, 'revoked');
  }
  return new Response(null, { status: 200, headers: { ...cors, 'Cache-Control': 'no-store' } });
}
