import { decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { signJwt } from './keys.js';
import type { Ctx, RouteArgs } from './context.js';
import { parseAuthorization } from './dpop/index.js';
import { checkProof, dpopUnauthorized, nonceHeader } from './dpop/route.js';
import { checkDpopBinding, type DpopError } from './dpop/validate.js';
import { oauthError } from './http.js';
import type { MockUser } from './types.js';

export function hasScope(scope: string, s: string): boolean {
  return scope.split(' ').includes(s);
}

export function userinfoUrl(issuer: string): string {
  return `${issuer}userinfo`;
}

/** Profile claims the scope allows (OIDC Core 5.4). */
export function profileClaims(user: Required<MockUser>, scope: string): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  if (hasScope(scope, 'profile')) {
    out.name = user.name;
    out.nickname = user.username;
    out.preferred_username = user.username;
  }
  if (hasScope(scope, 'email')) {
    out.email = user.email;
    out.email_verified = user.emailVerified;
  }
  return out;
}

export interface IssueInput {
  issuer: string;
  clientId: string;
  sub: string;
  scope: string;
  audience: string | null;
  family: string | null;
  /** Use this jti (so the caller can link it to a code before the token exists). */
  jti?: string;
  /** DPoP key thumbprint: the token gets `cnf.jkt` (RFC 9449 §6.1). */
  jkt?: string | undefined;
  /** When the user authenticated (seconds): the token's `auth_time` (RFC 9470 `max_age` checks read it). */
  authTime?: number;
  /** The login used MFA: the token's `acr` is MFA_ACR (RFC 9470 `acr_values` checks read it). */
  mfa?: boolean;
}

/** The `acr` of an access token from a login that used the one-time code (Auth0's value for MFA). */
export const MFA_ACR = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor';

export async function issueAccessToken(ctx: Ctx, i: IssueInput): Promise<{ token: string; jti: string; expiresIn: number }> {
  const now = Math.floor(ctx.store.now() / 1000);
  const api = i.audience ? ctx.opts.apis.get(i.audience) : undefined;
  const expiresIn = api?.accessTokenTtl || ctx.opts.accessTokenTtl;
  const jti = i.jti ?? crypto.randomUUID();
  // recorded before the first await, so a revocation that lands while we sign still applies
  ctx.store.recordAccessToken(jti, i.family, now + expiresIn);
  const key = await ctx.keys.current();
  const aud = i.audience
    ? hasScope(i.scope, 'openid')
      ? [i.audience, userinfoUrl(i.issuer)]
      : i.audience
    : userinfoUrl(i.issuer);
  const token = signJwt(key, { typ: 'at+jwt' }, {
    scope: i.scope,
    azp: i.clientId,
    client_id: i.clientId,
    iss: i.issuer,
    sub: i.sub,
    aud,
    iat: now,
    exp: now + expiresIn,
    jti,
    ...(i.authTime !== undefined ? { auth_time: i.authTime } : {}),
    ...(i.mfa ? { acr: MFA_ACR } : {}),
    ...(i.jkt ? { cnf: { jkt: i.jkt } } : {}),
  });
  return { token, jti, expiresIn };
}

export async function issueIdToken(
  ctx: Ctx,
  i: { issuer: string; clientId: string; user: Required<MockUser>; scope: string; authTime: number; nonce: string | null },
): Promise<string> {
  const key = await ctx.keys.current();
  const now = Math.floor(ctx.store.now() / 1000);
  const claims: JWTPayload = { ...profileClaims(i.user, i.scope), auth_time: i.authTime };
  if (i.nonce !== null) claims.nonce = i.nonce;
  return signJwt(key, { typ: 'JWT' }, { ...claims, iss: i.issuer, sub: i.user.sub, aud: i.clientId, iat: now, exp: now + ctx.opts.idTokenTtl });
}

/** Verifies a JWT we signed (signature, iss, exp on the server clock). Returns null when invalid. */
export async function verifyOwnJwt(ctx: Ctx, token: string, issuer: string, opts: { ignoreExpiry?: boolean } = {}): Promise<JWTPayload | null> {
  try {
    const { kid } = decodeProtectedHeader(token);
    const key = await ctx.keys.byKid(kid);
    if (!key) return null;
    const { payload } = await jwtVerify(token, key.publicKey, {
      issuer,
      algorithms: [key.alg],
      currentDate: new Date(ctx.store.now()),
      ...(opts.ignoreExpiry ? { clockTolerance: Number.MAX_SAFE_INTEGER } : {}),
    });
    return payload;
  } catch {
    return null;
  }
}

type Claims = JWTPayload & { sub: string; scope: string };

/**
 * Checks the access token of a resource request: signature, exp, that neither
 * it nor its family was revoked, and for a DPoP-bound token (`cnf.jkt`) the
 * `DPoP` scheme with a proof from the bound key (`ath` included). Returns the
 * claims with headers to add (a newer DPoP nonce), or the 401 to answer
 * (`WWW-Authenticate: DPoP …` when the request used DPoP or the token is bound).
 */
export async function authenticate(
  { ctx, req, issuer, url }: RouteArgs,
  cors: Record<string, string>,
): Promise<{ claims: Claims; headers: Record<string, string> } | Response> {
  const auth = parseAuthorization(req.headers.get('authorization'));
  let dpop = auth?.scheme === 'DPoP';
  const fail = (description: string, e?: DpopError) =>
    dpop ? dpopUnauthorized(ctx, e ?? { error: 'invalid_token', error_description: description }, cors) : bearerError(401, 'invalid_token', description, cors);
  if (!auth) return fail('Missing or malformed Bearer token');
  const payload = await verifyOwnJwt(ctx, auth.token, issuer);
  if (!payload || typeof payload.scope !== 'string' || typeof payload.sub !== 'string') return fail('Invalid or expired access token');
  if (ctx.store.accessTokenRevoked(payload.jti)) return fail('Access token revoked');
  const jkt = (payload.cnf as { jkt?: unknown } | undefined)?.jkt;
  const claims = { ...payload, sub: payload.sub, scope: payload.scope };
  if (typeof jkt !== 'string') return dpop ? fail('The access token is not DPoP-bound: use the Bearer scheme') : { claims, headers: {} };
  dpop = true;
  if (auth.scheme !== 'DPoP') return fail('The access token is DPoP-bound: use Authorization: DPoP with a proof');
  // /userinfo is the authorization server's: its nonce is the token endpoint's (one slot in the client).
  const state = url.pathname === '/userinfo' ? ctx.dpop : ctx.resourceDpop;
  const r = await checkProof(ctx, state, req, `${issuer}${url.pathname.slice(1)}`, auth.token);
  const refused = r.ok ? checkDpopBinding(jkt, r) : r;
  if (refused) return fail(refused.error_description, refused);
  return { claims, headers: nonceHeader(r.ok ? r.nonce : undefined) };
}

/** 401/403 with the RFC 6750 WWW-Authenticate header. */
export function bearerError(status: number, error: string, description: string, headers: Record<string, string>): Response {
  return oauthError(status, error, description, {
    ...headers,
    'WWW-Authenticate': `Bearer error="${error}", error_description="${description.replace(/"/g, "'")}"`,
  });
}
