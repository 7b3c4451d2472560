import { GenericError, IdTokenValidationError } from './errors.js';
import { getJson } from './http.js';
import { importVerifyKey, parseJws, verifyJws, type Jwk, type ParsedJws } from './jws.js';

/** Registered JWT claims (RFC 7519 §4.1) plus any others. */
export interface JWTPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [claim: string]: unknown;
}

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

/** Asymmetric algorithms only (the key type each needs): `none` and HS* are never accepted. */
const KEY_TYPES: Record<string, string> = {
  RS256: 'RSA', RS384: 'RSA', RS512: 'RSA', PS256: 'RSA', PS384: 'RSA', PS512: 'RSA',
  ES256: 'EC', ES384: 'EC', ES512: 'EC', EdDSA: 'OKP', Ed25519: 'OKP',
};
export const ALLOWED_ALGS = Object.keys(KEY_TYPES);

function fail(message: string): never {
  throw new IdTokenValidationError(message);
}

/** Keys of the JWKS that may have signed a token with this header. */
function candidates(keys: Jwk[], alg: string, kid: unknown): Jwk[] {
  return keys.filter(
    (k) =>
      k.kty === KEY_TYPES[alg] &&
      (kid === undefined || k.kid === kid) &&
      (k.use === undefined || k.use === 'sig') &&
      (k.alg === undefined || k.alg === alg) &&
      (k.key_ops === undefined || (Array.isArray(k.key_ops) && k.key_ops.includes('verify'))),
  );
}

/**
 * JWKS fetched once and cached; a token whose `kid` is unknown triggers one
 * refetch (key rotation) per verification, never more. Signatures are
 * checked with WebCrypto (./jws.ts) against each matching key.
 */
export class JwksCache {
  private keys?: Promise<Jwk[]>;
  constructor(private readonly uri: () => Promise<string>, private readonly timeoutMs: number) {}

  private load(): Promise<Jwk[]> {
    const p = (async () => {
      const { body } = await getJson(await this.uri(), { timeoutMs: this.timeoutMs });
      if (!Array.isArray(body.keys)) fail('JWKS has no "keys" array');
      return (body.keys as unknown[]).filter((k): k is Jwk => !!k && typeof k === 'object');
    })();
    this.keys = p;
    p.catch(() => {
      if (this.keys === p) this.keys = undefined;
    });
    return p;
  }

  /** Verify the signature; returns the payload bytes. */
  async verify(jws: ParsedJws, alg: string, kid: unknown): Promise<Uint8Array> {
    let fresh = !this.keys;
    let found = candidates(await (this.keys ?? this.load()), alg, kid);
    if (!found.length && !fresh) {
      fresh = true;
      found = candidates(await this.load(), alg, kid);
    }
    if (!found.length) fail(`No key in the JWKS matches the ID token (alg ${alg}, kid ${JSON.stringify(kid)}), even after a refetch`);
    let reason = '';
    for (const jwk of found) {
      try {
        const { key, params } = await importVerifyKey(jwk, alg);
        if (await verifyJws(jws, key, params)) return jws.payload;
        reason = 'signature does not match';
      } catch (e) {
        reason = e instanceof Error ? e.message : String(e);
      }
    }
    return fail(`ID token signature verification failed: ${reason}`);
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

/** OIDC Core 3.1.3.7: every check, each failure an IdTokenValidationError. */
export async function verifyIdToken(token: string, opts: VerifyOptions): Promise<IdTokenClaims> {
  const jws = parseJws(token);
  const { alg, kid } = jws.header;
  if (typeof alg !== 'string' || !Object.hasOwn(KEY_TYPES, alg)) {
    fail(`ID token algorithm "${String(alg ?? 'none')}" is not allowed (asymmetric algorithms only)`);
  }
  let payload: JWTPayload;
  try {
    const bytes = await opts.jwks.verify(jws, alg, kid);
    payload = JSON.parse(new TextDecoder().decode(bytes)) as JWTPayload;
  } catch (e) {
    if (e instanceof IdTokenValidationError) throw e;
    if (e instanceof GenericError) fail(`ID token keys could not be loaded: ${e.error_description}`);
    return fail('ID token payload is not JSON');
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) fail('ID token payload is not a JSON object');
  const now = Math.floor(Date.now() / 1000);
  const leeway = opts.leeway;
  if (payload.iss !== opts.issuer) fail(`ID token "iss" is ${JSON.stringify(payload.iss)}, expected "${opts.issuer}"`);
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!aud.includes(opts.clientId)) fail(`ID token "aud" ${JSON.stringify(payload.aud)} does not contain "${opts.clientId}"`);
  if (typeof payload.exp !== 'number') fail('ID token "exp" must be a number');
  if (payload.exp + leeway <= now) fail(`ID token expired at ${payload.exp} (now ${now}, leeway ${leeway} s)`);
  if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf > now + leeway)) fail('ID token is not valid yet ("nbf")');
  if (typeof payload.sub !== 'string' || !payload.sub) fail('ID token "sub" must be a non-empty string');
  if (typeof payload.iat !== 'number') fail('ID token "iat" must be a number');
  if (payload.iat > now + leeway) fail(`ID token "iat" (${payload.iat}) is in the future`);
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
