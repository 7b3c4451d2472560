/** The mock resource server's checks (issue 25): each answers its standard challenge, and each test fails without its check. */
import { decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateDpopKey } from '../../src/dpop/key.js';
import { createMockServer } from '../../src/mock-server/index.js';
import { parseArgs } from '../../src/mock-server/args.js';
import { refresh } from '../../src/testing/index.js';
import { API, BASE, bearer, bearerLogin, boundLogin, call, dpopCall, MFA_ACR, OTHER_API, proof, RESOURCES, setup, tamper, wwwAuth } from './helpers.js';

describe('resource server: Bearer checks (RFC 6750)', () => {
  it('a token for the API with the scope is served; the answer names the resource', async () => {
    const s = setup();
    const t = await bearerLogin(s);
    const res = await call(s, '/api/orders', bearer(t.access_token));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ resource: '/api/orders', path: '/api/orders', method: 'GET', sub: 'user-1', scope: expect.stringContaining('read:orders') });
  });

  it('wrong aud → 401 invalid_token naming the audience (the token has every scope)', async () => {
    const s = setup();
    const t = await bearerLogin(s, { audience: OTHER_API });
    const res = await call(s, '/api/orders', bearer(t.access_token));
    expect(res.status).toBe(401);
    expect(wwwAuth(res)).toMatch(/^Bearer error="invalid_token", error_description="The access token is not for this API: its aud must include https:\/\/api\.rotor\.test/);
    expect(((await res.json()) as { error_description: string }).error_description).toContain('resources[0].audience');
  });

  it('a missing scope → 403 insufficient_scope with scope="…" (the resource\'s scopes)', async () => {
    const s = setup();
    const t = await bearerLogin(s, { scope: 'openid offline_access' });
    const res = await call(s, '/api/orders', bearer(t.access_token));
    expect(res.status).toBe(403);
    expect(wwwAuth(res)).toMatch(/^Bearer error="insufficient_scope", scope="read:orders", error_description="The access token lacks the scope read:orders"$/);
    expect(await res.json()).toMatchObject({ error: 'insufficient_scope' });
  });

  it('an expired token → 401 invalid_token (server clock)', async () => {
    const s = setup();
    const t = await bearerLogin(s);
    expect((await call(s, '/api/orders', bearer(t.access_token))).status).toBe(200);
    s.control.advanceClock(t.expires_in + 1);
    const res = await call(s, '/api/orders', bearer(t.access_token));
    expect(res.status).toBe(401);
    expect(wwwAuth(res)).toMatch(/^Bearer error="invalid_token"/);
  });

  it('a tampered token (scope added, signature kept) and a token signed by another key → 401 invalid_token', async () => {
    const s = setup();
    const t = await bearerLogin(s, { scope: 'openid offline_access' });
    const forged = tamper(t.access_token, (c) => (c.scope = `${String(c.scope)} read:orders`));
    const tampered = await call(s, '/api/orders', bearer(forged));
    expect(tampered.status).toBe(401);
    expect(wwwAuth(tampered)).toMatch(/^Bearer error="invalid_token"/);
    // same claims and kid, signed with a key that is not the server's
    const { privateKey } = await generateKeyPair('RS256');
    const claims = JSON.parse(Buffer.from(forged.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: decodeProtectedHeader(t.access_token).kid! }).sign(privateKey);
    expect((await call(s, '/api/orders', bearer(foreign))).status).toBe(401);
    // and the genuine token with the scope still works
    expect((await call(s, '/api/orders', bearer((await bearerLogin(s)).access_token))).status).toBe(200);
  });

  it('a missing or malformed Authorization header → 401 invalid_token', async () => {
    const s = setup();
    for (const h of [{}, { Authorization: 'Basic abc' }, { Authorization: 'Bearer' }] as Record<string, string>[]) {
      const res = await call(s, '/api/orders', h);
      expect(res.status).toBe(401);
      expect(wwwAuth(res)).toMatch(/^Bearer error="invalid_token"/);
    }
  });

  it('a prefix resource (/api/orders/*) serves the paths under it, with the methods of a REST API', async () => {
    const s = setup();
    const t = await bearerLogin(s);
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await call(s, '/api/orders/42', bearer(t.access_token), method);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ resource: '/api/orders/*', path: '/api/orders/42', method });
    }
    expect((await call(s, '/api/nothing-here', bearer(t.access_token))).status).toBe(404);
  });
});

describe('resource server: DPoP checks (RFC 9449)', () => {
  it('a bound token with a good proof is served', async () => {
    const s = setup();
    const { key, at } = await boundLogin(s);
    const res = await dpopCall(s, key, '/api/orders', at);
    expect(res.status).toBe(200);
  });

  it('Bearer presented for a DPoP-bound token → 401 DPoP invalid_token', async () => {
    const s = setup();
    const { at } = await boundLogin(s);
    const res = await call(s, '/api/orders', bearer(at));
    expect(res.status).toBe(401);
    expect(wwwAuth(res)).toMatch(/^DPoP error="invalid_token", error_description="The access token is DPoP-bound/);
  });

  it('a proof from another key than cnf.jkt → 401 invalid_dpop_proof', async () => {
    const s = setup();
    const { at } = await boundLogin(s);
    const thief = await generateDpopKey();
    const res = await dpopCall(s, thief, '/api/orders', at);
    expect(res.status).toBe(401);
    expect(wwwAuth(res)).toMatch(/^DPoP error="invalid_dpop_proof", error_description="DPoP proof key does not match/);
  });

  it('a wrong ath → 401 invalid_dpop_proof', async () => {
    const s = setup();
    const { key, at } = await boundLogin(s);
    const res = await dpopCall(s, key, '/api/orders', at, { accessToken: 'another-token' });
    expect(res.status).toBe(401);
    expect(wwwAuth(res)).toMatch(/error="invalid_dpop_proof", error_description="DPoP proof ath does not match/);
  });

  it('a wrong htu (another path, another origin) or htm → 401 invalid_dpop_proof', async () => {
    const s = setup();
    const { key, at } = await boundLogin(s);
    for (const url of [`${BASE}/api/orders/1`, 'http://evil.example/api/orders']) {
      const res = await dpopCall(s, key, '/api/orders', at, { url });
      expect(res.status).toBe(401);
      expect(wwwAuth(res)).toMatch(/error="invalid_dpop_proof", error_description="DPoP proof htu does not match/);
    }
    const res = await call(s, '/api/orders', { Authorization: `DPoP ${at}`, DPoP: await proof(s, key, '/api/orders', at, { method: 'POST' }) }, 'GET');
    expect(res.status).toBe(401);
    expect(wwwAuth(res)).toMatch(/error_description="DPoP proof htm 'POST' does not match the request method GET/);
  });

  it('a replayed proof (same jti) → 401 invalid_dpop_proof', async () => {
    const s = setup();
    const { key, at } = await boundLogin(s);
    const p = await proof(s, key, '/api/orders', at);
    const headers = { Authorization: `DPoP ${at}`, DPoP: p };
    expect((await call(s, '/api/orders', headers)).status).toBe(200);
    const again = await call(s, '/api/orders', headers);
    expect(again.status).toBe(401);
    expect(wwwAuth(again)).toMatch(/error_description="DPoP proof jti was already used \(replay\)"/);
  });

  it('a proof outside the iat window → use_dpop_nonce with DPoP-Nonce; the retry with the nonce is served', async () => {
    const s = setup();
    const { key, at } = await boundLogin(s);
    const stale = await dpopCall(s, key, '/api/orders', at, { skew: -600 });
    expect(stale.status).toBe(401);
    expect(wwwAuth(stale)).toMatch(/^DPoP error="use_dpop_nonce"/);
    const nonce = stale.headers.get('dpop-nonce')!;
    expect(nonce).toMatch(/.{20,}/);
    expect((await dpopCall(s, key, '/api/orders', at, { skew: -600, nonce })).status).toBe(200);
  });

  it('nonces required (dpopNonce): use_dpop_nonce + DPoP-Nonce first, then success with the nonce', async () => {
    const s = setup({ dpopNonce: true });
    const { key, at } = await boundLogin(s);
    const first = await dpopCall(s, key, '/api/orders', at);
    expect(first.status).toBe(401);
    expect(wwwAuth(first)).toMatch(/^DPoP error="use_dpop_nonce"/);
    const nonce = first.headers.get('dpop-nonce')!;
    expect((await dpopCall(s, key, '/api/orders', at, { nonce: 'not-the-nonce' })).status).toBe(401);
    expect((await dpopCall(s, key, '/api/orders', at, { nonce })).status).toBe(200);
  });

  it("dpop: 'required' refuses an unbound (Bearer) token with a DPoP challenge and serves a bound one", async () => {
    const s = setup();
    const t = await bearerLogin(s);
    const res = await call(s, '/api/bound', bearer(t.access_token));
    expect(res.status).toBe(401);
    expect(wwwAuth(res)).toMatch(/^DPoP error="invalid_token", error_description="This API requires a DPoP-bound access token.*", algs="[^"]*ES256/);
    const { key, at } = await boundLogin(s);
    expect((await dpopCall(s, key, '/api/bound', at)).status).toBe(200);
    // an allowed resource serves the Bearer token
    expect((await call(s, '/api/orders', bearer(t.access_token))).status).toBe(200);
  });

  it('refusals of a bound token use the DPoP scheme (insufficient_scope included)', async () => {
    const s = setup();
    const { key, at } = await boundLogin(s, { scope: 'openid offline_access' });
    const res = await dpopCall(s, key, '/api/orders', at);
    expect(res.status).toBe(403);
    expect(wwwAuth(res)).toMatch(/^DPoP error="insufficient_scope", scope="read:orders", error_description="[^"]+", algs="/);
  });
});

describe('resource server: step-up (RFC 9470)', () => {
  it('acrValues: a login without MFA → 401 insufficient_user_authentication with acr_values; after an MFA login, served', async () => {
    const s = setup();
    const plain = await bearerLogin(s);
    const res = await call(s, '/api/mfa', bearer(plain.access_token));
    expect(res.status).toBe(401);
    expect(wwwAuth(res)).toBe(`Bearer error="insufficient_user_authentication", acr_values="${MFA_ACR}", error_description="A different authentication level is required"`);
    s.control.requireMfa('user-1');
    const mfa = await bearerLogin(s); // the login form's one-time code
    expect(JSON.parse(Buffer.from(mfa.access_token.split('.')[1]!, 'base64url').toString())).toMatchObject({ acr: MFA_ACR });
    expect((await call(s, '/api/mfa', bearer(mfa.access_token))).status).toBe(200);
  });

  it('maxAge: an authentication older than max_age → 401 insufficient_user_authentication with max_age', async () => {
    const s = setup();
    const t = await bearerLogin(s);
    expect((await call(s, '/api/recent', bearer(t.access_token))).status).toBe(200);
    s.control.advanceClock(301);
    const res = await call(s, '/api/recent', bearer(t.access_token));
    expect(res.status).toBe(401);
    expect(wwwAuth(res)).toBe('Bearer error="insufficient_user_authentication", max_age=300, error_description="More recent authentication is required"');
    // a refreshed token keeps the original auth_time: still too old
    const r = await refresh(s, t.refresh_token!);
    expect((await call(s, '/api/recent', bearer(r.body.access_token))).status).toBe(401);
    expect((await call(s, '/api/recent', bearer((await bearerLogin(s)).access_token))).status).toBe(200);
  });
});

describe('resource server: /api/private keeps its behaviour', () => {
  it('is listed with the resources, checks only aud (privateApiAudience), is GET-only, and answers the demo body', async () => {
    const s = setup();
    expect(s.control.resources().map((r) => r.path)).toEqual(['/api/orders', '/api/bound', '/api/mfa', '/api/recent', '/api/private', '/api/orders/*']);
    const t = await bearerLogin(s, { scope: 'openid offline_access' });
    const ok = await call(s, '/api/private', bearer(t.access_token));
    expect(ok.status).toBe(200);
    expect(Object.keys((await ok.json()) as object)).toEqual(['message', 'sub', 'aud', 'scope', 'exp']);
    expect((await call(s, '/api/private', bearer(t.access_token), 'POST')).status).toBe(405);
    const other = await bearerLogin(s, { audience: OTHER_API });
    const res = await call(s, '/api/private', bearer(other.access_token));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error_description: string }).error_description).toContain('--private-api-audience');
    expect(createMockServer().control.resources()).toEqual([{ path: '/api/private', audience: API, scopes: [], dpop: 'allowed', acrValues: [], maxAge: null }]);
  });

  it('resources may define /api/private themselves', async () => {
    const s = setup({ resources: [{ path: '/api/private', audience: API, scopes: ['read:orders'] }] });
    const t = await bearerLogin(s, { scope: 'openid offline_access' });
    expect((await call(s, '/api/private', bearer(t.access_token))).status).toBe(403);
  });
});

describe('resource server: options and CLI', () => {
  it('a bad resource is one message naming the field', () => {
    const bad: Array<[unknown, RegExp]> = [
      [[{ path: '/orders', audience: API }], /resources\[0\]\.path: expected a path under \/api\//],
      [[{ path: '/api/../authorize', audience: API }], /resources\[0\]\.path/],
      [[{ path: '/api/x', audience: 'https://nope.example' }], /resources\[0\]\.audience: not one of apis/],
      [[{ path: '/api/x', audience: API }, { path: '/api/x', audience: API }], /resources\[1\]\.path: duplicate path/],
      [[{ path: '/api/x', audience: API, scopes: ['a b'] }], /resources\[0\]\.scopes\[0\]/],
      [[{ path: '/api/x', audience: API, dpop: 'yes' }], /resources\[0\]\.dpop: expected one of allowed, required/],
      [[{ path: '/api/x', audience: API, scope: ['a'] }], /resources\[0\]\.scope: unknown field/],
      [[{ path: '/api/x', audience: API, maxAge: -1 }], /resources\[0\]\.maxAge/],
    ];
    for (const [resources, msg] of bad) expect(() => createMockServer({ resources } as never)).toThrow(msg);
  });

  it('--resource JSON (repeatable) becomes resources; bad JSON is a usage error', () => {
    const a = parseArgs(['--resource', JSON.stringify(RESOURCES[0]), '--resource', JSON.stringify(RESOURCES[2])]);
    expect(a.options.resources).toEqual([RESOURCES[0], RESOURCES[2]]);
    expect(() => parseArgs(['--resource', '{path:'])).toThrow(/--resource needs a JSON object/);
  });
});

describe('resource server: CORS for browser callers', () => {
  it('preflight allows Authorization and DPoP from a client origin; answers expose WWW-Authenticate and DPoP-Nonce', async () => {
    const s = setup();
    const pre = await call(s, '/api/orders/1', { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'DELETE', 'Access-Control-Request-Headers': 'authorization, dpop' }, 'OPTIONS');
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/DPoP/);
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(pre.headers.get('access-control-allow-methods')).toContain('DELETE');
    const res = await call(s, '/api/orders', { Origin: 'https://app.rotor.test' });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.rotor.test');
    expect(res.headers.get('access-control-expose-headers')).toMatch(/WWW-Authenticate/);
    expect(res.headers.get('access-control-expose-headers')).toMatch(/DPoP-Nonce/);
    const evil = await call(s, '/api/orders', { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' }, 'OPTIONS');
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    expect((await call(s, '/api/orders', { Origin: 'https://evil.example' })).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('resource server: the event log', () => {
  it('records each request: what was presented (scheme, proof, token claims) and the answer', async () => {
    const s = setup();
    const t = await bearerLogin(s);
    const { key, at, tokens } = await boundLogin(s);
    await call(s, '/api/orders', bearer(t.access_token));
    await dpopCall(s, key, '/api/orders/7', at, { method: 'DELETE' });
    await call(s, '/api/orders');
    await call(s, '/api/orders', bearer(at));
    const ev = s.control.events({ type: 'resource_request' });
    expect(ev).toHaveLength(4);
    expect(ev[0]).toMatchObject({ status: 200, sub: 'user-1', clientId: 'demo', family: t.family, detail: { resource: '/api/orders', method: 'GET', scheme: 'Bearer', proof: false, onDemand: false, aud: expect.stringContaining(API) } });
    expect(ev[1]).toMatchObject({ status: 200, family: tokens.family, detail: { resource: '/api/orders/*', path: '/api/orders/7', method: 'DELETE', scheme: 'DPoP', proof: true, jkt: key.jkt } });
    expect(ev[2]).toMatchObject({ status: 401, error: 'invalid_token', detail: { scheme: 'none' } });
    expect(ev[2]!.sub).toBeUndefined();
    expect(ev[3]).toMatchObject({ status: 401, error: 'invalid_token', detail: { scheme: 'Bearer' } });
    expect(s.control.events({ type: 'resource_request', family: tokens.family! })).toHaveLength(1);
  });
});
