import { errorText, GenericError, IdTokenValidationError } from './errors.js';
import { getJson } from './http.js';
import type { Clock } from './clock.js';
import { importVerifyKey, keyTypeOf, parseJws, verifyJws, type Jwk, type ParsedJws } from './jws.js';

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

function fail(message: string, reason?: 'clock'): never {
  throw new IdTokenValidationError(message, reason);
}

/** Keys of the JWKS that may have signed a token with this header. */
function candidates(keys: Jwk[], alg: string, kid: unknown): Jwk[] {
  return keys.filter(
    (k) =>
      k.kty === keyTypeOf(alg) &&
      (kid === undefined || k.kid === kid) &&
      (k.use === undefined || k.use === 'sig') &&
      (k.alg === undefined || k.alg === alg) &&
      (k.key_ops === undefined || (Array.isArray(k.key_ops) && k.key_ops.includes('verify'))),
  );
}

/** A JWKS as kept in the token cache (persistent modes keep it across reloads). */
export interface StoredJwks {
  keys: Jwk[];
  /** Epoch ms after which the keys are fetched again (Cache-Control max-age, else 10 min). */
  expires_at: number;
}

export interface JwksPersistence {
  load(): Promise<StoredJwks | undefined>;
  save(jwks: StoredJwks): Promise<void>;
}

const DEFAULT_MAX_AGE_S = 600;
/** Least time between two fetches caused by an unknown `kid`. */
export const JWKS_REFETCH_COOLDOWN_MS = 30_000;

function maxAge(headers: Headers | undefined): number {
  const m = /(?:^|,)\s*max-age=(\d+)/i.exec(headers?.get('cache-control') ?? '');
  return m ? Math.min(Math.max(Number(m[1]), 60), 86_400) : DEFAULT_MAX_AGE_S;
}

/**
 * JWKS cache: keys are kept for the response's max-age (persisted with the
 * token cache when it is persistent), each JWK is imported into WebCrypto
 * once, and a token whose `kid` is unknown triggers at most one refetch per
 * verification and at most one per JWKS_REFETCH_COOLDOWN_MS. Keys past their
 * max-age are still used when the refetch fails. A failure to load keys is an
 * IdTokenValidationError with reason `keys_unavailable` (the token is not
 * known to be wrong).
 */
export class JwksCache {
  private jwks?: StoredJwks;
  private loading?: Promise<StoredJwks>;
  /** When an unknown `kid` last caused a refetch. */
  private refetchedAt = -Infinity;
  private restored = false;
  private readonly imported = new WeakMap<Jwk, Map<string, ReturnType<typeof importVerifyKey>>>();

  constructor(
    private readonly uri: () => Promise<string>,
    private readonly timeoutMs: number,
    private readonly persist?: JwksPersistence,
  ) {}

  /** Keys held and within their max-age. */
  get fresh(): boolean {
    return !!this.jwks && this.jwks.expires_at > Date.now();
  }

  /** Load persisted keys once (a reload then needs no JWKS request). */
  private async restore(): Promise<void> {
    if (this.restored || !this.persist) return;
    this.restored = true;
    const stored = await this.persist.load().catch(() => undefined);
    if (stored && !this.jwks) this.jwks = stored;
  }

  private fetch(): Promise<StoredJwks> {
    if (this.loading) return this.loading;
    const p = (async () => {
      const { body, headers } = await getJson(await this.uri(), { timeoutMs: this.timeoutMs });
      if (!Array.isArray(body.keys)) throw new IdTokenValidationError('JWKS has no "keys" array', 'keys_unavailable');
      const jwks = {
        keys: (body.keys as unknown[]).filter((k): k is Jwk => !!k && typeof k === 'object'),
        expires_at: Date.now() + maxAge(headers) * 1000,
      };
      this.jwks = jwks;
      void this.persist?.save(jwks).catch(() => undefined);
      return jwks;
    })();
    this.loading = p;
    const done = () => {
      if (this.loading === p) this.loading = undefined;
    };
    p.then(done, done);
    return p;
  }

  /** Persist the keys held now (after a login: the next reload needs no JWKS request). */
  persistNow(): void {
    if (this.jwks) void this.persist?.save(this.jwks).catch(() => undefined);
  }

  /** Start loading keys if none are fresh (in parallel with a token request); never rejects. */
  prefetch(): void {
    void this.restore()
      .then(() => (this.fresh ? undefined : this.fetch()))
      .catch(() => undefined);
  }

  private async keys(): Promise<{ keys: Jwk[]; fetched: boolean }> {
    await this.restore();
    if (this.fresh && !this.loading) return { keys: this.jwks!.keys, fetched: false };
    try {
      return { keys: (await this.fetch()).keys, fetched: true };
    } catch (e) {
      if (this.jwks) return { keys: this.jwks.keys, fetched: false }; // stale keys beat none
      throw e;
    }
  }

  private importKey(jwk: Jwk, alg: string): ReturnType<typeof importVerifyKey> {
    let byAlg = this.imported.get(jwk);
    if (!byAlg) this.imported.set(jwk, (byAlg = new Map()));
    let p = byAlg.get(alg);
    if (!p) {
      p = importVerifyKey(jwk, alg);
      byAlg.set(alg, p);
    }
    return p;
  }

  /** Verify the signature; returns the payload bytes. */
  async verify(jws: ParsedJws, alg: string, kid: unknown): Promise<Uint8Array> {
    const { keys, fetched } = await this.keys().catch(unavailable);
    let found = candidates(keys, alg, kid);
    if (!found.length && !fetched) {
      if (Date.now() - this.refetchedAt < JWKS_REFETCH_COOLDOWN_MS) {
        throw new IdTokenValidationError(`No key in the JWKS matches the ID token (kid ${JSON.stringify(kid)}); refetch cooling down`, 'keys_unavailable');
      }
      this.refetchedAt = Date.now();
      found = candidates((await this.fetch().catch(unavailable)).keys, alg, kid);
    }
    if (!found.length) fail(`No key in the JWKS matches the ID token (alg ${alg}, kid ${JSON.stringify(kid)}), even after a refetch`);
    let reason = '';
    for (const jwk of found) {
      try {
        const { key, params } = await this.importKey(jwk, alg);
        if (await verifyJws(jws, key, params)) return jws.payload;
        reason = 'signature does not match';
      } catch (e) {
        reason = errorText(e);
      }
    }
    return fail(`ID token signature verification failed: ${reason}`);
  }

}

function unavailable(e: unknown): never {
  if (e instanceof IdTokenValidationError) throw e;
  throw new IdTokenValidationError(`ID token keys could not be loaded: ${e instanceof GenericError ? e.error_description : String(e)}`, 'keys_unavailable');
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
  /** The SDK's clock (nowProvider + learned server offset); Date.now() without it. */
  clock?: Clock;
  /**
   * Refresh responses: base time (ms) the token endpoint answered. The token
   * was issued just then, so once its signature and identity check out, its
   * `iat` tells the clock the server's time (clock skew).
   */
  receivedAt?: number;
}

/** OIDC Core 3.1.3.7: every check, each failure an IdTokenValidationError. */
export async function verifyIdToken(token: string, opts: VerifyOptions): Promise<IdTokenClaims> {
  const jws = parseJws(token);
  const { alg, kid } = jws.header;
  if (typeof alg !== 'string' || !keyTypeOf(alg)) {
    fail(`ID token algorithm "${String(alg ?? 'none')}" is not allowed (asymmetric algorithms only)`);
  }
  let payload: JWTPayload;
  const bytes = await opts.jwks.verify(jws, alg, kid);
  try {
    payload = JSON.parse(new TextDecoder().decode(bytes)) as JWTPayload;
  } catch {
    return fail('ID token payload is not JSON');
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) fail('ID token payload is not a JSON object');
  const leeway = opts.leeway;
  if (payload.iss !== opts.issuer) fail(`ID token "iss" is ${JSON.stringify(payload.iss)}, expected "${opts.issuer}"`);
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!aud.includes(opts.clientId)) fail(`ID token "aud" ${JSON.stringify(payload.aud)} does not contain "${opts.clientId}"`);
  if (typeof payload.sub !== 'string' || !payload.sub) fail('ID token "sub" must be a non-empty string');
  if (aud.length > 1 || payload.azp !== undefined) {
    if (payload.azp !== opts.clientId) fail(`ID token "azp" is ${JSON.stringify(payload.azp)}, expected "${opts.clientId}"`);
  }
  if (typeof payload.exp !== 'number') fail('ID token "exp" must be a number');
  if (typeof payload.iat !== 'number') fail('ID token "iat" must be a number');
  const clock = opts.clock;
  // Signature and identity check out: a token issued just now tells the server's time (beyond leeway: adopt it).
  const offset = opts.receivedAt === undefined ? 0 : payload.iat * 1000 - opts.receivedAt;
  if (clock && Math.abs(offset - clock.offsetMs) > leeway * 1000) clock.offsetMs = offset;
  const now = Math.floor((clock ? (await clock.base()) + clock.offsetMs : Date.now()) / 1000);
  if (payload.exp + leeway <= now) fail(`ID token expired at ${payload.exp} (now ${now}, leeway ${leeway} s)`, 'clock');
  if (payload.nbf !== undefined && typeof payload.nbf !== 'number') fail('ID token "nbf" must be a number');
  if (payload.nbf !== undefined && payload.nbf > now + leeway) fail('ID token is not valid yet ("nbf")', 'clock');
  if (payload.iat > now + leeway) fail(`ID token "iat" (${payload.iat}) is in the future`, 'clock');
  if (opts.nonce !== undefined && payload.nonce !== opts.nonce) fail('ID token "nonce" does not match the transaction');
  if (opts.maxAge !== undefined) {
    const authTime = payload.auth_time;
    if (typeof authTime !== 'number') fail('ID token "auth_time" is required when max_age was requested');
    if (authTime + opts.maxAge + opts.leeway < now) fail(`ID token "auth_time" (${authTime}) is older than max_age ${opts.maxAge}`, 'clock');
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
