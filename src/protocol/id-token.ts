import { IdTokenValidationError } from '../errors.js';
import { errorText } from '../shape.js';
import { request } from './http.js';
import { num, obj, str } from '../shape.js';
import type { Clock } from './clock.js';
import { allowedAlg, fail, importVerifyKey, jsonObject, parseJws, usable, type Jwk, type ParsedJws } from './jws.js';

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

/** Keys of the JWKS that may have signed a token with this header. */
const candidates = (keys: Jwk[], alg: string, kid: unknown): Jwk[] => keys.filter((k) => usable(k, alg) && (kid === undefined || k.kid === kid));

/** A JWKS as kept in the token cache (persistent modes keep it across reloads). */
export interface StoredJwks {
  keys: Jwk[];
  /** Epoch ms after which the keys are fetched again (the response's max-age, clamped; see jwksMaxAgeMs). */
  expires_at: number;
}

/** Where the keys persist (the token cache): kept only while a session is (a signed-out client keeps nothing). */
export interface JwksPersistence {
  getJwks(): Promise<StoredJwks | undefined>;
  setJwks(jwks: StoredJwks): Promise<void>;
  getSession(): Promise<unknown>;
}

/** How long fetched keys are kept when the response's Cache-Control has no max-age. */
export const JWKS_MAX_AGE_MS = 600_000;
/** The least and the most time keys are kept, whatever max-age says: a minute (no refetch storm), a day. */
export const JWKS_MAX_AGE_RANGE_MS = [60_000, 86_400_000] as const;

/**
 * How long the keys of a JWKS response are kept: its `Cache-Control: max-age`, clamped to JWKS_MAX_AGE_RANGE_MS,
 * else JWKS_MAX_AGE_MS. A key rotation is seen sooner all the same: an unknown `kid` refetches.
 */
export function jwksMaxAgeMs(headers: Headers): number {
  const maxAge = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?\s*(?:,|$)/i.exec(headers.get('cache-control') ?? '');
  if (!maxAge) return JWKS_MAX_AGE_MS;
  const [least, most] = JWKS_MAX_AGE_RANGE_MS;
  return Math.min(Math.max(Number(maxAge[1]) * 1000, least), most);
}
/** Least time between two fetches caused by an unknown `kid`. */
export const JWKS_REFETCH_COOLDOWN_MS = 30_000;

/**
 * JWKS cache: keys are kept for the response's max-age, clamped (persisted with the
 * token cache when it is persistent), each JWK is imported into WebCrypto
 * once, and a token whose `kid` is unknown triggers at most one refetch per
 * verification and at most one per JWKS_REFETCH_COOLDOWN_MS. Keys past their
 * time are still used when the refetch fails. A failure to load keys is an
 * IdTokenValidationError with reason `keys_unavailable` (the token is not
 * known to be wrong).
 */
export interface JwksCache {
  /** Persist the keys held now (after a login: the next reload needs no JWKS request). */
  persistNow(jwks?: StoredJwks): void;
  /** Start loading keys if none are fresh (in parallel with a token request); never rejects. */
  prefetch(): void;
  /** Verify the signature with a key for `alg` (allowed) and the header's `kid`; returns the payload bytes. */
  verify(jws: ParsedJws, alg: string): Promise<ParsedJws['payload']>;
}

export function jwksCache(uri: () => Promise<{ jwksUri: string }>, timeoutMs: number, persist?: JwksPersistence): JwksCache {
  let jwks: StoredJwks | undefined;
  let loading: Promise<StoredJwks> | undefined;
  /** When an unknown `kid` last caused a refetch. */
  let refetchedAt = -Infinity;
  let restored: Promise<void> | undefined;
  /** Imported keys by alg + JWK text (each JWK imported once per alg, also across refetches). */
  const imported: Record<string, ReturnType<typeof importVerifyKey>> = {};

  /** Load persisted keys once (a reload then needs no JWKS request). */
  const restore = (): Promise<void> =>
    (restored ??= (async () => {
      const stored = await persist?.getJwks().catch(() => undefined);
      jwks ??= stored;
    })());

  const fetch = (): Promise<StoredJwks> =>
    (loading ??= (async () => {
      const { body, headers } = await request((await uri()).jwksUri, { timeoutMs });
      if (!Array.isArray(body.keys)) fail('JWKS has no "keys" array', 'keys_unavailable');
      cache.persistNow((jwks = { keys: (body.keys as unknown[]).filter(obj) as Jwk[], expires_at: Date.now() + jwksMaxAgeMs(headers) }));
      return jwks;
    })().finally(() => (loading = undefined)));

  /** Keys held and within their time. */
  const fresh = () => !!jwks && jwks.expires_at > Date.now();

  const cache: JwksCache = {
    persistNow(keys = jwks) {
      if (keys && persist) void persist.getSession().then((s) => s && persist.setJwks(keys)).catch(() => undefined);
    },

    prefetch() {
      void restore()
        .then((): unknown => fresh() || fetch())
        .catch(() => undefined);
    },

    async verify(jws, alg) {
      const { kid } = jws.header;
      await restore();
      let fetched = !fresh() || !!loading;
      const { keys } = fetched
        ? await fetch().catch((e: unknown) => {
            fetched = false;
            return jwks ?? unavailable(e); // stale keys beat none
          })
        : jwks!;
      let found = candidates(keys, alg, kid);
      const what = `JWKS has no key for alg ${alg}, kid ${JSON.stringify(kid)}`;
      if (!found.length && !fetched) {
        if (Date.now() - refetchedAt < JWKS_REFETCH_COOLDOWN_MS) fail(`${what} (refetch cooling down)`, 'keys_unavailable');
        refetchedAt = Date.now();
        found = candidates((await fetch().catch(unavailable)).keys, alg, kid);
      }
      if (!found.length) fail(`${what} (refetched)`);
      let reason = 'signature does not match';
      for (const jwk of found) {
        try {
          if (await (await (imported[alg + JSON.stringify(jwk)] ??= importVerifyKey(jwk, alg)))(jws)) return jws.payload;
        } catch (e) {
          reason = errorText(e);
        }
      }
      return fail(`ID token signature verification failed: ${reason}`);
    },
  };
  return cache;
}

function unavailable(e: unknown): never {
  if (e instanceof IdTokenValidationError) throw e;
  return fail(`JWKS unavailable: ${errorText(e)}`, 'keys_unavailable');
}

export interface VerifyOptions {
  /** Expected `iss` (a promise: the signature check starts before it settles). */
  issuer: string | Promise<string>;
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
  receivedAt?: number | Promise<number>;
}

/** OIDC Core 3.1.3.7: every check, each failure an IdTokenValidationError. */
export const verifyIdToken = async (token: string, opts: VerifyOptions): Promise<IdTokenClaims> => {
  const jws = parseJws(token);
  // The crypto starts at once; its outcome counts after the issuer's and the answer's time.
  const signed = opts.jwks.verify(jws, allowedAlg(jws.header.alg));
  signed.catch(() => undefined);
  const [issuer, receivedAt] = await Promise.all([opts.issuer, opts.receivedAt]);
  const p = jsonObject(await signed, 'payload') as JWTPayload;
  const { clientId, leeway, nonce, maxAge, clock } = opts;
  /** `ID token "claim" is <value>, expected <want>`, when `bad`. */
  const claim = (c: string, bad: unknown, want: string, reason?: 'clock') =>
    bad && fail(`ID token "${c}" is ${JSON.stringify(p[c])}, expected ${want}`, reason);
  const number = (c: string, optional?: boolean) => claim(c, !num(p[c]) && !(optional && p[c] === undefined), 'a number');
  const aud = [p.aud].flat();
  claim('iss', p.iss !== issuer, `"${issuer}"`);
  claim('aud', !aud.includes(clientId), `to contain "${clientId}"`);
  claim('sub', !str(p.sub), 'a non-empty string');
  claim('azp', (aud.length > 1 || p.azp !== undefined) && p.azp !== clientId, `"${clientId}"`);
  number('exp');
  number('iat');
  number('nbf', true);
  number('auth_time', maxAge === undefined);
  const iat = p.iat!;
  // Signature and identity check out: a token issued just now tells the server's time (beyond leeway: adopt it).
  const offset = receivedAt === undefined ? 0 : iat * 1000 - receivedAt;
  if (clock && Math.abs(offset - clock.offsetMs) > leeway * 1000) clock.offsetMs = offset;
  const now = Math.floor((clock ? (await clock.base()) + clock.offsetMs : Date.now()) / 1000);
  const t = `(now ${now}, leeway ${leeway} s)`;
  claim('exp', p.exp! + leeway <= now, `in the future ${t}`, 'clock');
  claim('nbf', p.nbf! > now + leeway, `in the past ${t}`, 'clock');
  claim('iat', iat > now + leeway, `in the past ${t}`, 'clock');
  claim('nonce', nonce !== undefined && p.nonce !== nonce, "the login's");
  claim('auth_time', maxAge !== undefined && (p.auth_time as number) + maxAge + leeway < now, `within max_age ${maxAge} ${t}`, 'clock');
  return { ...p, __raw: token } as IdTokenClaims;
};

/** OIDC Core 12.2: an ID token from a refresh keeps iss, sub, aud (and azp, auth_time) of the original. */
export function checkRefreshedClaims(next: IdTokenClaims, previous: IdTokenClaims): void {
  ['iss', 'sub', 'aud', 'azp', 'auth_time'].forEach((c, i) => {
    const [a, b] = [previous[c], next[c]].map((v) => JSON.stringify(i === 2 ? [v].flat().sort() : v));
    // azp and auth_time: only when both tokens carry them.
    if (a !== b && (i < 3 || (previous[c] !== undefined && next[c] !== undefined))) fail(`Refreshed ID token "${c}" changed from ${a} to ${b}`);
  });
}
