/**
 * The mock resource server: every path under `/api/` that a resource
 * (`resources` option, `/api/private` by default) serves. Checks, in order,
 * each answering its standard challenge:
 *   1. an on-demand challenge (`control.resourceChallenge`) answers first;
 *   2. the token (tokens.ts `authenticate`): signature with the server's own keys, `iss`, `exp`, not
 *      revoked, and for a DPoP-bound token (`cnf.jkt`) `Authorization: DPoP` with a proof from that
 *      key (`ath`, `htm`, `htu`, `iat` window or nonce, `jti` replay) → 401 invalid_token / invalid_dpop_proof / use_dpop_nonce;
 *   3. `dpop: 'required'`: an unbound token → 401 `DPoP error="invalid_token"`;
 *   4. `aud` must include the resource's audience → 401 invalid_token;
 *   5. every `scopes` entry → 403 insufficient_scope, `scope="…"`;
 *   6. `acrValues` / `maxAge` against the token's `acr` / `auth_time` → 401 insufficient_user_authentication (RFC 9470).
 * Each request is logged as a `resource_request` event (what was presented, and the answer).
 */
import type { RouteArgs } from '../context.js';
import { corsHeaders } from '../cors.js';
import { parseAuthorization } from '../dpop/index.js';
import { json } from '../http.js';
import { challengeResponse, type ChallengeParams, type Scheme } from '../resources/challenge.js';
import type { ResolvedResource } from '../resources/options.js';
import { authenticate, hasScope, verifyOwnJwt } from '../tokens.js';
import type { MockEvent } from '../types.js';

type Claims = Record<string, unknown> & { sub?: string; scope?: string };

/** One answered request: the response and what the event log records of it. */
interface Outcome {
  res: Response;
  claims?: Claims | null;
  onDemand?: boolean;
}

/** Whether the request's DPoP proof carried a `nonce` (read without verifying: only for the event log). */
function proofHasNonce(proof: string | null): boolean {
  try {
    const payload = JSON.parse(Buffer.from(proof?.split('.')[1] ?? '', 'base64url').toString()) as { nonce?: unknown };
    return typeof payload?.nonce === 'string';
  } catch {
    return false;
  }
}

function errorOf(res: Response): string | undefined {
  return /\berror="([^"]*)"/.exec(res.headers.get('www-authenticate') ?? '')?.[1];
}

const isBound = (claims: Claims | null | undefined) => typeof (claims?.cnf as { jkt?: unknown } | undefined)?.jkt === 'string';

/** Step 1: a challenge set by `control.resourceChallenge` answers whatever was presented (the token is read only for the event log). */
async function onDemandAnswer(args: RouteArgs, resource: ResolvedResource, challenge: ChallengeParams, cors: Record<string, string>): Promise<Outcome> {
  const { ctx, req, issuer } = args;
  const auth = parseAuthorization(req.headers.get('authorization'));
  const claims = auth ? ((await verifyOwnJwt(ctx, auth.token, issuer)) as Claims | null) : null;
  const dpop = challenge.error === 'use_dpop_nonce' || auth?.scheme === 'DPoP' || isBound(claims) || resource.dpop === 'required';
  const nonce: Record<string, string> = challenge.error === 'use_dpop_nonce' ? { 'DPoP-Nonce': ctx.resourceDpop.nonces.current(ctx.store.now()) } : {};
  return { res: challengeResponse(dpop ? 'DPoP' : 'Bearer', challenge, ctx.opts.dpop.algorithms, { ...cors, ...nonce }), claims, onDemand: true };
}

/** Steps 2–6 (see the module comment). */
async function check(args: RouteArgs, resource: ResolvedResource, cors: Record<string, string>): Promise<Outcome> {
  const { ctx, req } = args;
  const algs = ctx.opts.dpop.algorithms;
  const onDemand = ctx.resourceChallenges.take(resource);
  if (onDemand) return onDemandAnswer(args, resource, onDemand, cors);

  const v = await authenticate(args, cors);
  if (v instanceof Response) return { res: v, claims: null };
  const { claims } = v;
  const headers = { ...cors, ...v.headers };
  const bound = isBound(claims);
  const scheme: Scheme = bound || resource.dpop === 'required' ? 'DPoP' : 'Bearer';
  const refuse = (p: ChallengeParams): Outcome => ({ res: challengeResponse(scheme, p, algs, headers), claims });

  if (resource.dpop === 'required' && !bound) {
    return refuse({ error: 'invalid_token', error_description: 'This API requires a DPoP-bound access token (log in with DPoP)' });
  }
  const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (resource.audience === null || !auds.includes(resource.audience)) {
    const why = resource.audience === null ? 'no API is configured' : `its aud must include ${resource.audience}`;
    const error_description = `The access token is not for this API: ${why} (request the token with that audience; ${resource.audienceHint})`;
    // /api/private answered Bearer before resources existed, whatever the token: kept
    return resource.builtIn ? { res: challengeResponse('Bearer', { error: 'invalid_token', error_description }, algs, headers), claims } : refuse({ error: 'invalid_token', error_description });
  }
  const missing = resource.scopes.filter((s) => !hasScope(claims.scope, s));
  if (missing.length > 0) {
    return refuse({ error: 'insufficient_scope', scope: resource.scopes.join(' '), error_description: `The access token lacks the scope ${missing.join(' ')}` });
  }
  const acr = typeof claims.acr === 'string' ? claims.acr : undefined;
  if (resource.acrValues.length > 0 && (acr === undefined || !resource.acrValues.includes(acr))) {
    return refuse({
      error: 'insufficient_user_authentication',
      acr_values: resource.acrValues.join(' '),
      ...(resource.maxAge !== null ? { max_age: resource.maxAge } : {}),
      error_description: 'A different authentication level is required',
    });
  }
  const authTime = typeof claims.auth_time === 'number' ? claims.auth_time : undefined;
  if (resource.maxAge !== null && (authTime === undefined || ctx.store.now() / 1000 - authTime > resource.maxAge)) {
    return refuse({
      error: 'insufficient_user_authentication',
      max_age: resource.maxAge,
      ...(resource.acrValues.length > 0 ? { acr_values: resource.acrValues.join(' ') } : {}),
      error_description: 'More recent authentication is required',
    });
  }
  const { sub, aud, scope, exp } = claims;
  const body = resource.builtIn
    ? { message: `Hello ${sub}, this came from the protected API.`, sub, aud, scope, exp }
    : { message: `Hello ${sub}, this came from ${resource.path}.`, resource: resource.path, path: args.url.pathname, method: req.method, sub, aud, scope, exp };
  return { res: json(body, 200, headers), claims };
}

/** A resource under /api/ (see the module comment). */
export async function resourceApi(args: RouteArgs, resource: ResolvedResource): Promise<Response> {
  const { ctx, req, url } = args;
  const cors = corsHeaders(ctx, req);
  const { res, claims, onDemand = false } = await check(args, resource, cors);
  const auth = parseAuthorization(req.headers.get('authorization'));
  const jti = typeof claims?.jti === 'string' ? claims.jti : undefined;
  const family = jti ? ctx.store.accessTokens.get(jti)?.family ?? undefined : undefined;
  const error = errorOf(res);
  const ev: Omit<MockEvent, 'seq' | 'at'> = {
    type: 'resource_request',
    status: res.status,
    ...(error ? { error } : {}),
    ...(typeof claims?.sub === 'string' ? { sub: claims.sub } : {}),
    ...(typeof claims?.azp === 'string' ? { clientId: claims.azp } : {}),
    ...(family ? { family } : {}),
    detail: {
      resource: resource.path,
      path: url.pathname.slice(0, 256),
      method: req.method,
      scheme: auth?.scheme ?? (req.headers.has('authorization') ? 'malformed' : 'none'),
      proof: req.headers.has('dpop'),
      proofNonce: proofHasNonce(req.headers.get('dpop')),
      onDemand,
      ...(claims ? { scope: String(claims.scope ?? ''), aud: [claims.aud].flat().join(' ') } : {}),
      ...(isBound(claims) ? { jkt: (claims!.cnf as { jkt: string }).jkt } : {}),
    },
  };
  ctx.store.emit(ev);
  return res;
}
