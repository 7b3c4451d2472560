import type { Ctx, RouteArgs } from '../context.js';
import { corsHeaders, withHeaders } from '../cors.js';
import { authorizationCodeGrant } from '../grants/authorization-code.js';
import { refreshTokenGrant } from '../grants/refresh-token.js';
import { grantError, type GrantResult } from '../grants/result.js';
import { checkProof, nonceHeader, reportRejection } from '../dpop/route.js';
import { json, readBodyParams, type Params } from '../http.js';

const FAULT_ERRORS = { 429: 'too_many_requests', 500: 'server_error', 503: 'temporarily_unavailable' } as const;

/** Runs one token request's grant; shared by the endpoint and `control.replay`. */
/** `jkt`: thumbprint of the request's accepted DPoP proof (undefined: no proof, e.g. `control.replay`, which acts as a thief). */
export async function runGrant(ctx: Ctx, p: Params, issuer: string, replay = false, jkt?: string): Promise<GrantResult> {
  const grantType = p.get('grant_type');
  if (!grantType) return grantError(400, 'invalid_request', 'Missing required parameter: grant_type');
  const clientId = p.get('client_id');
  if (!clientId) return grantError(400, 'invalid_request', 'Missing required parameter: client_id');
  if (!ctx.opts.clients.has(clientId)) return grantError(401, 'invalid_client', 'Unknown client');
  if (grantType === 'authorization_code') return authorizationCodeGrant(ctx, p, clientId, issuer, jkt);
  if (grantType === 'refresh_token') return refreshTokenGrant(ctx, p, clientId, issuer, replay, jkt);
  return grantError(400, 'unsupported_grant_type', `Unsupported grant_type: ${grantType.slice(0, 64)}`);
}

/** POST /oauth/token. Every call emits `token_request`; faults act here. */
export async function token({ req, ctx, issuer }: RouteArgs): Promise<Response> {
  const parsed = await readBodyParams(req);
  const clientId = parsed.params.get('client_id');
  const ev = ctx.store.emit({
    type: 'token_request',
    grant_type: parsed.params.get('grant_type') ?? '',
    ...(clientId ? { clientId } : {}),
  }, true);
  const cors = corsHeaders(ctx, req, clientId && ctx.opts.clients.has(clientId) ? clientId : undefined);
  const faults = ctx.faults;
  if (faults.delayMs > 0) await new Promise((r) => setTimeout(r, faults.delayMs));

  let result: GrantResult;
  const fail = faults.failNext;
  const headers: Record<string, string> = { ...cors };
  if (fail) {
    if (--fail.count <= 0) faults.failNext = null;
    ctx.store.emit({ type: 'fault.applied', reason: `status_${fail.status}` });
    result = grantError(fail.status, FAULT_ERRORS[fail.status], `Injected fault: HTTP ${fail.status}`);
    if (fail.status === 429) headers['Retry-After'] = String(fail.retryAfter);
  } else if (!parsed.ok) {
    result = grantError(400, 'invalid_request', parsed.description);
  } else {
    // DPoP first: a nonce challenge or a bad proof never consumes a code nor rotates.
    const proof = await checkProof(ctx, ctx.dpop, req, `${issuer}oauth/token`);
    Object.assign(headers, nonceHeader(proof.nonce));
    if (proof.ok) {
      result = await runGrant(ctx, parsed.params, issuer, false, proof.jkt);
    } else {
      const f = ctx.store.refreshIndex.get(parsed.params.get('refresh_token') ?? '');
      const family = f && f.clientId === clientId ? f.id : undefined;
      reportRejection(ctx, proof, { ...(family ? { family } : {}), ...(clientId ? { clientId } : {}) });
      result = grantError(400, proof.error, proof.error_description, family);
    }
  }
  ev.status = result.status;
  if (result.family) ev.family = result.family;
  if (typeof result.body.error === 'string') ev.error = result.body.error;
  ctx.store.publish(ev);
  if (result.rotated && faults.dropNextRotation > 0) {
    faults.dropNextRotation--;
    ctx.store.emit({ type: 'fault.applied', reason: 'drop_response', ...(result.family ? { family: result.family } : {}) });
    return Response.error();
  }
  return withHeaders(json(result.body, result.status), headers);
}
