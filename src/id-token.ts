import { createLocalJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey } from 'jose';
import { GenericError, IdTokenValidationError } from './errors.js';
import { getJson } from './http.js';

/** Claims of a verified ID token. `__raw` is the compact token (auth0-spa-js name). */
export interface IdTokenClaims extends JWTPayload {
  __raw: string;
  sub: string;
  iss: string;
  aud: string | string[];
  exp: number;
  iat: number;
  nonce?: string;
  azp?: string;
  auth_time?: number;
  name?: string;
  email?: string;
  [claim: string]: unknown;
}

/** Asymmetric algorithms only: `none` and HS* are never accepted. */
export const ALLOWED_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/**
 * JWKS fetched once and cached; a token whose `kid` is unknown triggers one
 * refetch (key rotation) per verification, never more.
 */
export class JwksCache {
  private keys?: Promise<JWTVerifyGetKey>;
  constructor(private readonly uri: () => Promise<string>, private readonly timeoutMs: number) {}

  private load(): Promise<JWTVerifyGetKey> {
    const p = (async () => {
      const { body } = await getJson(await this.uri(), { timeoutMs: this.timeoutMs });
      if (!Array.isArray((body as { keys?: unknown }).keys)) throw new IdTokenValidationError('JWKS has no "keys" array');
      return createLocalJWKSet(body as unknown as JSONWebKeySet);
    })();
    this.keys = p;
    p.catch(() => {
      if (this.keys === p) this.keys = undefined;
    });
    return p;
  }

  /** A jose key function that refetches once when no key matches. */
  getKeyFunction(): JWTVerifyGetKey {
    let refetched = false;
    return async (header, token) => {
      const fresh = !this.keys;
      const keys = await (this.keys ?? this.load());
      try {
        return await keys(header, token);
      } catch (e) {
        if (!(e instanceof joseErrors.JWKSNoMatchingKey) || fresh || refetched) throw e;
        refetched = true;
        return (await this.load())(header, token);
      }
    };
  }
}

export interface VerifyOptions {
  issuer: string;
  clientId: string;
  /** Seconds of clock skew tolerated. */
  leeway: number;
  /** Expected nonce (authorization response); omitted on refresh. */
  nonce?: string;
  /** max_age sent to /authorize, in seconds: requires auth_time. */
  maxAge?: number;
  jwks: JwksCache;
}

function fail(message: string): never {
  throw new IdTokenValidationError(message);
}

/** OIDC Core 3.1.3.7: every check, each failure an IdTokenValidationError. */
export async function verifyIdToken(token: string, opts: VerifyOptions): Promise<IdTokenClaims> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    fail('ID token is not a JWS compact serialization');
  }
  if (!alg || !ALLOWED_ALGS.includes(alg)) fail(`ID token algorithm "${alg ?? 'none'}" is not allowed (asymmetric algorithms only)`);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, opts.jwks.getKeyFunction(), {
      algorithms: ALLOWED_ALGS,
      issuer: opts.issuer,
      audience: opts.clientId,
      clockTolerance: opts.leeway,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
    }));
  } catch (e) {
    if (e instanceof IdTokenValidationError) throw e;
    if (e instanceof GenericError) throw new IdTokenValidationError(`ID token keys could not be loaded: ${e.error_description}`);
    const code = e instanceof joseErrors.JOSEError ? e.code : 'ERR_UNKNOWN';
    const reason = e instanceof Error ? e.message : String(e);
    throw new IdTokenValidationError(`ID token rejected (${code}): ${reason}`);
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.sub !== 'string' || !payload.sub) fail('ID token "sub" must be a non-empty string');
  if (typeof payload.iat !== 'number') fail('ID token "iat" must be a number');
  if (payload.iat > now + opts.leeway) fail(`ID token "iat" (${payload.iat}) is in the future`);
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (aud.length > 1 || payload.azp !== undefined) {
    if (payload.azp !== opts.clientId) fail(`ID token "azp" is ${JSON.stringify(payload.azp)}, expected "${opts.clientId}"`);
  }
  if (opts.nonce !== undefined && payload.nonce !== opts.nonce) fail('ID token "nonce" does not match the transaction');
  if (opts.maxAge !== undefined) {
    const authTime = payload.auth_time;
    if (typeof authTime !== 'number') fail('ID token "auth_time" is required when max_age was requested');
    if (authTime + opts.maxAge + opts.leeway < now) fail(`ID token "auth_time" (${authTime}) is older than max_age ${opts.maxAge}`);
  } else if (payload.auth_time !== undefined && typeof payload.auth_time !== 'number') {
    fail('ID token "auth_time" must be a number');
  }
  return { ...payload, __raw: token } as IdTokenClaims;
}

function sameAudience(a: string | string[], b: string | string[]): boolean {
  const x = (Array.isArray(a) ? a : [a]).slice().sort();
  const y = (Array.isArray(b) ? b : [b]).slice().sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** OIDC Core 12.2: an ID token from a refresh keeps iss, sub, aud (and azp, auth_time) of the original. */
export function checkRefreshedClaims(next: IdTokenClaims, previous: IdTokenClaims): void {
  if (next.iss !== previous.iss) fail(`Refreshed ID token "iss" changed from "${previous.iss}" to "${next.iss}"`);
  if (next.sub !== previous.sub) fail(`Refreshed ID token "sub" changed from "${previous.sub}" to "${next.sub}"`);
  if (!sameAudience(next.aud, previous.aud)) fail('Refreshed ID token "aud" differs from the original');
  if (previous.azp !== undefined && next.azp !== undefined && next.azp !== previous.azp) fail('Refreshed ID token "azp" changed');
  if (previous.auth_time !== undefined && next.auth_time !== undefined && next.auth_time !== previous.auth_time) {
    fail('Refreshed ID token "auth_time" changed');
  }
}
