import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDpopProof, generateDpopKey, htu, jwkThumbprint, toDpopKey } from '../../src/dpop/key.js';
import { accessTokenHash, validateDpopProof } from '../../src/mock-server/dpop/validate.js';
import { serverContext, T0, TOKEN_URL } from './helpers.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('generateDpopKey', () => {
  it('makes a P-256 key pair whose private key cannot be exported', async () => {
    const key = await generateDpopKey();
    expect(key.pair.privateKey.extractable).toBe(false);
    expect(key.pair.privateKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    await expect(crypto.subtle.exportKey('jwk', key.pair.privateKey)).rejects.toThrow();
    expect(Object.keys(key.jwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(key.jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
  });

  it('computes the RFC 7638 thumbprint as jose does', async () => {
    const key = await generateDpopKey();
    expect(key.jkt).toBe(await calculateJwkThumbprint({ ...key.jwk }));
    expect(key.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('orders the EC members as RFC 7638 requires for a fixed key', async () => {
    const jwk = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' };
    expect(await jwkThumbprint(jwk)).toBe(await calculateJwkThumbprint(jwk));
  });

  it('two logins get different keys', async () => {
    const [a, b] = await Promise.all([generateDpopKey(), generateDpopKey()]);
    expect(a.jkt).not.toBe(b.jkt);
  });

  it('toDpopKey rebuilds the same jwk and thumbprint from a stored pair', async () => {
    const key = await generateDpopKey();
    const again = await toDpopKey(key.pair);
    expect(again.jwk).toEqual(key.jwk);
    expect(again.jkt).toBe(key.jkt);
  });
});

describe('createDpopProof', () => {
  it('is a dpop+jwt ES256 JWT with the public jwk only, verified by jose', async () => {
    const key = await generateDpopKey();
    const proof = await createDpopProof(key, { url: `${TOKEN_URL}?a=1#f`, method: 'post', now: () => T0 + 999 });
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'], currentDate: new Date(T0) });
    expect(protectedHeader).toEqual({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk });
    expect(payload).toEqual({ jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), htm: 'POST', htu: TOKEN_URL, iat: T0 / 1000 });
    expect(await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk!)).toBe(key.jkt);
  });

  it('carries nonce and ath when given; a fresh jti each time', async () => {
    const key = await generateDpopKey();
    const a = await createDpopProof(key, { url: TOKEN_URL, method: 'GET', nonce: 'n-1', accessToken: 'at.x.y' });
    const b = await createDpopProof(key, { url: TOKEN_URL, method: 'GET' });
    const pa = (await jwtVerify(a, EmbeddedJWK)).payload;
    const pb = (await jwtVerify(b, EmbeddedJWK)).payload;
    expect(pa).toMatchObject({ nonce: 'n-1', ath: accessTokenHash('at.x.y') });
    expect(pb).not.toHaveProperty('nonce');
    expect(pb).not.toHaveProperty('ath');
    expect(pa.jti).not.toBe(pb.jti);
  });

  it('htu strips query and fragment only', () => {
    expect(htu('https://api.test:8443/a/b?x=1#y')).toBe('https://api.test:8443/a/b');
  });
});

describe('SDK proofs against the mock server validator', () => {
  it('are accepted, and bind the key the SDK computed', async () => {
    const key = await generateDpopKey();
    const ctx = serverContext();
    const proof = await createDpopProof(key, { url: TOKEN_URL, method: 'POST', now: () => ctx.now });
    expect(await validateDpopProof({ proof, method: 'POST', url: TOKEN_URL }, ctx)).toEqual({ ok: true, jkt: key.jkt });
  });

  it('with ath are accepted at the API for that access token only', async () => {
    const key = await generateDpopKey();
    const ctx = serverContext();
    const url = 'https://api.rotor.test/api/private';
    const proof = () => createDpopProof(key, { url, method: 'GET', accessToken: 'at-1', now: () => ctx.now });
    expect(await validateDpopProof({ proof: await proof(), method: 'GET', url, accessToken: 'at-1' }, ctx)).toMatchObject({ ok: true });
    expect(await validateDpopProof({ proof: await proof(), method: 'GET', url, accessToken: 'at-2' }, ctx)).toMatchObject({ ok: false });
  });

  it('a skewed clock gets use_dpop_nonce and recovers with the nonce; a corrected clock needs none', async () => {
    const key = await generateDpopKey();
    const ctx = serverContext({ iatWindow: 60 });
    const skewed = () => ctx.now - 10 * 60_000;
    const first = await validateDpopProof({ proof: await createDpopProof(key, { url: TOKEN_URL, method: 'POST', now: skewed }), method: 'POST', url: TOKEN_URL }, ctx);
    expect(first).toMatchObject({ ok: false, error: 'use_dpop_nonce' });
    const nonce = (first as { nonce: string }).nonce;
    const retry = await createDpopProof(key, { url: TOKEN_URL, method: 'POST', now: skewed, nonce });
    expect(await validateDpopProof({ proof: retry, method: 'POST', url: TOKEN_URL }, ctx)).toMatchObject({ ok: true, jkt: key.jkt });
    // The clock-offset function is what makes iat right in the first place.
    const offset = ctx.now - skewed();
    const corrected = await createDpopProof(key, { url: TOKEN_URL, method: 'POST', now: () => skewed() + offset });
    expect(await validateDpopProof({ proof: corrected, method: 'POST', url: TOKEN_URL }, ctx)).toMatchObject({ ok: true });
  });

  it('server-required nonces round-trip', async () => {
    const key = await generateDpopKey();
    const ctx = serverContext({ nonce: true });
    const make = (nonce?: string) => createDpopProof(key, { url: TOKEN_URL, method: 'POST', now: () => ctx.now, nonce });
    const challenge = await validateDpopProof({ proof: await make(), method: 'POST', url: TOKEN_URL }, ctx);
    expect(challenge).toMatchObject({ ok: false, error: 'use_dpop_nonce', nonce: expect.any(String) });
    const nonce = (challenge as { nonce: string }).nonce;
    expect(await validateDpopProof({ proof: await make(nonce), method: 'POST', url: TOKEN_URL }, ctx)).toEqual({ ok: true, jkt: key.jkt });
  });
});
