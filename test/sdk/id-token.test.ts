import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWK, type JWTPayload } from 'jose';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdTokenValidationError } from '../../src/errors.js';
import { checkRefreshedClaims, JWKS_MAX_AGE_MS, JWKS_MAX_AGE_RANGE_MS, jwksCache, jwksMaxAgeMs, verifyIdToken, type IdTokenClaims, type VerifyOptions } from '../../src/protocol/id-token.js';

const ISSUER = 'https://op.rotor.test/';
const JWKS_URI = 'https://op.rotor.test/jwks';

type Key = { kid: string; privateKey: CryptoKey; jwk: JWK };
async function makeKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

let key1: Key;
let key2: Key;
let published: Key[] = [];
let jwksFetches = 0;

const server = setupServer(
  http.get(JWKS_URI, () => {
    jwksFetches++;
    return HttpResponse.json({ keys: published.map((k) => k.jwk) });
  }),
);

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  key1 = await makeKey('k1');
  key2 = await makeKey('k2');
});
afterAll(() => server.close());
beforeEach(() => {
  published = [key1];
  jwksFetches = 0;
});
afterEach(() => server.resetHandlers());

const now = () => Math.floor(Date.now() / 1000);

function claims(over: JWTPayload = {}): JWTPayload {
  return { iss: ISSUER, sub: 'user-1', aud: 'demo', iat: now(), exp: now() + 600, nonce: 'n-1', ...over };
}

function sign(payload: JWTPayload, key: Key = key1, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: key.kid, ...header }).sign(key.privateKey);
}

function options(over: Partial<VerifyOptions> = {}): VerifyOptions {
  return { issuer: ISSUER, clientId: 'demo', leeway: 60, nonce: 'n-1', jwks: jwksCache(async () => ({ jwksUri: JWKS_URI }), 5000), ...over };
}

async function rejection(token: string, opts: VerifyOptions = options()): Promise<IdTokenValidationError> {
  try {
    await verifyIdToken(token, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(IdTokenValidationError);
    expect((e as IdTokenValidationError).error).toBe('invalid_id_token');
    return e as IdTokenValidationError;
  }
  throw new Error('expected the ID token to be rejected');
}

describe('verifyIdToken', () => {
  it('accepts a valid token and returns its claims with __raw', async () => {
    const token = await sign(claims({ name: 'Demo' }));
    const c = await verifyIdToken(token, options());
    expect(c).toMatchObject({ sub: 'user-1', name: 'Demo', __raw: token });
  });

  it('rejects a tampered signature', async () => {
    const token = await sign(claims());
    const [h, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify(claims({ sub: 'admin' }))).toString('base64url');
    const e = await rejection(`${h}.${forged}.${s}`);
    expect(e.message).toContain('ID token signature verification failed');
  });

  it('rejects alg none and HMAC', async () => {
    const none = new UnsecuredJWT(claims()).encode();
    expect((await rejection(none)).message).toBe('ID token alg "none" is not allowed (asymmetric only)');
    const hs = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('x'.repeat(32)));
    expect((await rejection(hs)).message).toBe('ID token alg "HS256" is not allowed (asymmetric only)');
  });

  it('rejects wrong iss, aud and nonce', async () => {
    expect((await rejection(await sign(claims({ iss: 'https://op.rotor.test' })))).message).toContain('"iss"');
    expect((await rejection(await sign(claims({ aud: 'someone-else' })))).message).toContain('"aud"');
    expect((await rejection(await sign(claims({ nonce: 'n-2' })))).message).toBe('ID token "nonce" is "n-2", expected the login\'s');
    expect((await rejection(await sign(claims({ nonce: undefined })))).message).toBe('ID token "nonce" is undefined, expected the login\'s');
  });

  it('requires azp when there are several audiences', async () => {
    expect((await rejection(await sign(claims({ aud: ['demo', 'api'] })))).message).toBe('ID token "azp" is undefined, expected "demo"');
    expect((await rejection(await sign(claims({ aud: ['demo', 'api'], azp: 'api' })))).message).toContain('"azp"');
    await expect(verifyIdToken(await sign(claims({ aud: ['demo', 'api'], azp: 'demo' })), options())).resolves.toMatchObject({ azp: 'demo' });
  });

  it('requires iat and rejects iat in the future', async () => {
    const noIat = await sign({ iss: ISSUER, sub: 'user-1', aud: 'demo', exp: now() + 600, nonce: 'n-1' });
    expect((await rejection(noIat)).message).toContain('"iat"');
    const future = await rejection(await sign(claims({ iat: now() + 3600 })));
    expect(future.message).toMatch(new RegExp(`^ID token "iat" is ${now() + 3600}, expected in the past \\(now \\d+, leeway 60 s\\)$`));
    expect(future.reason).toBe('clock');
  });

  it('rejects an expired token, with leeway', async () => {
    const e = await rejection(await sign(claims({ iat: now() - 1000, exp: now() - 120 })));
    expect(e.message).toContain(`ID token "exp" is ${now() - 120}, expected in the future (now`);
    expect(e.reason).toBe('clock');
    await expect(verifyIdToken(await sign(claims({ iat: now() - 1000, exp: now() - 30 })), options())).resolves.toBeDefined();
  });

  it('rejects a token that is not valid yet (nbf)', async () => {
    const e = await rejection(await sign(claims({ nbf: now() + 600 })));
    expect(e.message).toContain(`ID token "nbf" is ${now() + 600}, expected in the past`);
    expect(e.reason).toBe('clock');
    expect((await rejection(await sign(claims({ nbf: 'soon' as unknown as number })))).message).toBe('ID token "nbf" is "soon", expected a number');
  });

  it('finds the key without a kid when only one key fits', async () => {
    await expect(verifyIdToken(await sign(claims(), key1, { kid: undefined }), options())).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('checks auth_time against max_age', async () => {
    const missing = await rejection(await sign(claims()), options({ maxAge: 300 }));
    expect(missing.message).toBe('ID token "auth_time" is undefined, expected a number');
    expect(missing.reason).toBeUndefined();
    const old = await rejection(await sign(claims({ auth_time: now() - 1000 })), options({ maxAge: 300 }));
    expect(old.message).toContain(`"auth_time" is ${now() - 1000}, expected within max_age 300 (now`);
    expect((await rejection(await sign(claims({ auth_time: '1' })))).message).toBe('ID token "auth_time" is "1", expected a number');
    await expect(verifyIdToken(await sign(claims({ auth_time: now() - 100 })), options({ maxAge: 300 }))).resolves.toBeDefined();
  });

  it('refetches the JWKS once for an unknown kid (key rotation)', async () => {
    const opts = options();
    await verifyIdToken(await sign(claims()), opts);
    expect(jwksFetches).toBe(1);
    await verifyIdToken(await sign(claims()), opts);
    expect(jwksFetches).toBe(1); // cached
    published = [key1, key2];
    await expect(verifyIdToken(await sign(claims(), key2), opts)).resolves.toMatchObject({ sub: 'user-1' });
    expect(jwksFetches).toBe(2);
  });

  /** Fetches made when the keys, served with `cacheControl`, are used again `afterMs` later (and 2 s after that). */
  async function refetchesAfter(cacheControl: string | undefined, afterMs: number): Promise<[number, number]> {
    server.use(
      http.get(JWKS_URI, () => {
        jwksFetches++;
        const headers: Record<string, string> = cacheControl === undefined ? {} : { 'Cache-Control': cacheControl };
        return HttpResponse.json({ keys: published.map((k) => k.jwk) }, { headers });
      }),
    );
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const opts = options();
      await verifyIdToken(await sign(claims()), opts);
      vi.setSystemTime(Date.now() + afterMs - 1000);
      await verifyIdToken(await sign(claims()), opts);
      const before = jwksFetches;
      vi.setSystemTime(Date.now() + 2000);
      await verifyIdToken(await sign(claims()), opts);
      return [before, jwksFetches];
    } finally {
      vi.useRealTimers();
    }
  }

  it("keeps the keys for the response's Cache-Control max-age, then fetches them again", async () => {
    expect(await refetchesAfter('public, max-age=7200', 7_200_000)).toEqual([1, 2]);
  });

  it('keeps the keys JWKS_MAX_AGE_MS (10 min) without a max-age (no-cache, or no header)', async () => {
    expect(await refetchesAfter('no-cache', JWKS_MAX_AGE_MS)).toEqual([1, 2]);
    jwksFetches = 0;
    expect(await refetchesAfter(undefined, JWKS_MAX_AGE_MS)).toEqual([1, 2]);
  });

  it('clamps max-age to a minute at least and a day at most', async () => {
    const [least, most] = JWKS_MAX_AGE_RANGE_MS;
    expect(await refetchesAfter('max-age=0', least)).toEqual([1, 2]);
    jwksFetches = 0;
    expect(await refetchesAfter('max-age=31536000', most)).toEqual([1, 2]);
  });

  it('reads max-age, not s-maxage, and ignores a malformed one', () => {
    const ms = (v: string) => jwksMaxAgeMs(new Headers({ 'Cache-Control': v }));
    expect(ms('s-maxage=86400')).toBe(JWKS_MAX_AGE_MS);
    expect(ms('max-age=abc')).toBe(JWKS_MAX_AGE_MS);
    expect(ms('private, max-age=3600')).toBe(3_600_000);
    expect(ms('MAX-AGE=120, must-revalidate')).toBe(120_000);
  });

  it('rejects a kid that is still unknown after the one refetch', async () => {
    const opts = options();
    await verifyIdToken(await sign(claims()), opts);
    const e = await rejection(await sign(claims(), key2), opts);
    expect(e.message).toBe('JWKS has no key for alg RS256, kid "k2" (refetched)');
    expect(jwksFetches).toBe(2);
  });

  it('rejects a token signed by a key that is not in the JWKS under a known kid', async () => {
    const impostor = { ...key2, kid: 'k1' };
    expect((await rejection(await sign(claims(), impostor))).message).toContain('ID token signature verification failed');
  });

  it('rejects a token whose only fitting JWKS key cannot be imported', async () => {
    published = [{ ...key1, jwk: { ...key1.jwk, n: 'AAAA' } }];
    const e = await rejection(await sign(claims()));
    expect(e.message).toMatch(/^ID token signature verification failed: ./);
    expect(e.reason).toBeUndefined();
  });

  it('turns a JWKS outage into IdTokenValidationError', async () => {
    server.use(http.get(JWKS_URI, () => HttpResponse.text('down', { status: 503 })));
    expect((await rejection(await sign(claims()))).message).toMatch(/^JWKS unavailable: ./);
  });
});

describe('checkRefreshedClaims', () => {
  const base = { __raw: 'x', iss: ISSUER, sub: 'user-1', aud: 'demo', exp: 1, iat: 1 } as IdTokenClaims;
  it('keeps iss, sub and aud', () => {
    expect(() => checkRefreshedClaims({ ...base, iat: 2 }, base)).not.toThrow();
    expect(() => checkRefreshedClaims({ ...base, sub: 'user-2' }, base)).toThrow('Refreshed ID token "sub" changed from "user-1" to "user-2"');
    expect(() => checkRefreshedClaims({ ...base, iss: 'https://x/' }, base)).toThrow(IdTokenValidationError);
    expect(() => checkRefreshedClaims({ ...base, aud: ['demo', 'api'] }, base)).toThrow('Refreshed ID token "aud" changed from ["demo"] to ["api","demo"]');
    expect(() => checkRefreshedClaims({ ...base, aud: ['demo'] }, base)).not.toThrow();
    expect(() => checkRefreshedClaims({ ...base, azp: 'demo' }, { ...base, azp: 'api' })).toThrow('"azp" changed from "api" to "demo"');
    expect(() => checkRefreshedClaims({ ...base, azp: 'demo' }, base)).not.toThrow();
    expect(() => checkRefreshedClaims({ ...base, auth_time: 5 }, { ...base, auth_time: 4 })).toThrow('"auth_time" changed from 4 to 5');
    expect(() => checkRefreshedClaims(base, { ...base, auth_time: 4 })).not.toThrow();
  });
});
