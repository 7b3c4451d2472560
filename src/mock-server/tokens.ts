import { decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { signJwt } from './keys.js';
import type { Ctx } from './context.js';
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
}

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

/** Checks a Bearer access token: signature, exp, and that neither it nor its family was revoked. */
export async function verifyAccessToken(
  ctx: Ctx,
  req: Request,
  issuer: string,
): Promise<{ ok: true; claims: JWTPayload & { sub: string; scope: string } } | { ok: false; error: string }> {
  const auth = req.headers.get('authorization') ?? '';
  const m = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(auth);
  if (!m) return { ok: false, error: 'Missing or malformed Bearer token' };
  const payload = await verifyOwnJwt(ctx, m[1]!, issuer);
  if (!payload || typeof payload.scope !== 'string' || typeof payload.sub !== 'string') {
    return { ok: false, error: 'Invalid or expired access token' };
  }
  if (ctx.store.accessTokenRevoked(payload.jti)) return { ok: false, error: 'Access token revoked' };
  return { ok: true, claims: { ...payload, sub: payload.sub, scope: payload.scope } };
}
