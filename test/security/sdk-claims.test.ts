/** Issue 23 item 3: claims and server JSON are plain data; `__proto__` / `constructor` / `prototype` keys never reach a prototype. */
import { CompactSign, exportJWK, generateKeyPair, type JWK } from 'jose';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwksCache, verifyIdToken } from '../../src/protocol/id-token.js';
import { userFromClaims } from '../../src/protocol/userinfo.js';
import { request } from '../../src/protocol/http.js';
import { decodeEntry } from '../../src/cache/codec.js';
import { parseJson } from '../../src/shape.js';

const ISSUER = 'https://op.rotor.test/';
const JWKS_URI = 'https://op.rotor.test/jwks';
const HOSTILE = '"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}},"prototype":{"isAdmin":true}';
let privateKey: CryptoKey;
let jwk: JWK;

const server = setupServer(
  http.get(JWKS_URI, () => HttpResponse.json({ keys: [jwk] })),
  http.get('https://op.rotor.test/userinfo', () => new HttpResponse(`{"sub":"user-1",${HOSTILE}}`, { headers: { 'Content-Type': 'application/json' } })),
);
beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
});
afterAll(() => server.close());

const clean = (v: Record<string, unknown>) => {
  expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  expect((v as { isAdmin?: unknown }).isAdmin).toBeUndefined();
  expect(({} as { isAdmin?: unknown }).isAdmin).toBeUndefined();
};

describe('prototype keys in server JSON', () => {
  it('a validly signed ID token with "__proto__": { isAdmin: true } gives a user without isAdmin', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = `{"iss":"${ISSUER}","sub":"user-1","aud":"demo","iat":${now},"exp":${now + 600},"nonce":"n-1",${HOSTILE}}`;
    const token = await new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(privateKey);
    const claims = await verifyIdToken(token, { issuer: ISSUER, clientId: 'demo', leeway: 60, nonce: 'n-1', jwks: jwksCache(async () => ({ jwksUri: JWKS_URI }), 5000) });
    clean(claims as never);
    const user = userFromClaims(claims);
    clean(user);
    expect(user.sub).toBe('user-1');
  });

  it('userFromClaims copies an own "__proto__" key as data, never as an assignment', () => {
    const claims = JSON.parse(`{"sub":"u",${HOSTILE}}`) as Record<string, unknown>; // JSON.parse makes an own "__proto__"
    clean(userFromClaims(claims));
  });

  it('a userinfo (any HTTP JSON) body: no prototype keys survive', async () => {
    const { body } = await request('https://op.rotor.test/userinfo', { timeoutMs: 5000 });
    clean(body);
    expect(body.sub).toBe('user-1');
    clean(userFromClaims(body));
  });

  it('stored entries and parseJson drop the keys at any depth', () => {
    const nested = parseJson(`{"a":{"b":[{${HOSTILE}}]},${HOSTILE}}`) as { a: { b: Record<string, unknown>[] } };
    clean(nested as never);
    clean(nested.a.b[0]!);
    expect(Object.keys(nested.a.b[0]!)).toEqual([]);
    const decoded = decodeEntry(`{"v":1,"data":{"access_token":"x",${HOSTILE}}}`);
    expect(JSON.stringify(decoded)).not.toMatch(/isAdmin/);
  });
});
