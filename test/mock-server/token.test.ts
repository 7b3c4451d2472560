import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { authorize, CLIENT, exchange, get, ISSUER, login, postForm, postJson, refresh, server } from './helpers.js';

async function code(s = server(), extra: Record<string, string> = {}) {
  const a = await authorize(s, extra);
  return { s, code: a.params.get('code')!, verifier: a.verifier };
}

describe('/oauth/token authorization_code', () => {
  it('returns access, ID and refresh tokens; the ID token verifies against the JWKS (RS256 by default)', async () => {
    const { s, code: c, verifier } = await code();
    const res = await exchange(s, c, verifier);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, string | number>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid profile email offline_access' });
    const jwks = createLocalJWKSet((await (await get(s, '/.well-known/jwks.json')).json()) as { keys: [] });
    const { payload, protectedHeader } = await jwtVerify(String(body.id_token), jwks, { issuer: ISSUER, audience: CLIENT });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ sub: 'user-1', nonce: 'n-1', name: 'Demo User', email: 'demo@rotor.test', email_verified: true });
    expect(typeof payload.auth_time).toBe('number');
    const at = await jwtVerify(String(body.access_token), jwks, { issuer: ISSUER });
    expect(at.payload).toMatchObject({ sub: 'user-1', aud: ['https://api.rotor.test', `${ISSUER}userinfo`], azp: CLIENT });
  });

  it('ES256 is an option', async () => {
    const s = server({ signingAlg: 'ES256' });
    const t = await login(s);
    const jwks = createLocalJWKSet((await (await get(s, '/.well-known/jwks.json')).json()) as { keys: [] });
    expect((await jwtVerify(t.id_token!, jwks)).protectedHeader.alg).toBe('ES256');
    const doc = (await (await get(s, '/.well-known/openid-configuration')).json()) as Record<string, unknown>;
    expect(doc.id_token_signing_alg_values_supported).toEqual(['ES256']);
  });

  it('checks the verifier: wrong or missing → invalid_grant, and the code stays usable', async () => {
    const { s, code: c, verifier } = await code();
    const wrong = await exchange(s, c, 'a'.repeat(43));
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toEqual({ error: 'invalid_grant', error_description: 'Failed to verify code verifier' });
    const missing = await postForm(s, '/oauth/token', { grant_type: 'authorization_code', client_id: CLIENT, code: c, redirect_uri: 'http://localhost:3000/callback' });
    expect(((await missing.json()) as { error: string }).error).toBe('invalid_grant');
    const redirect = await exchange(s, c, verifier, { redirect_uri: 'http://localhost:3000/other' });
    expect(await redirect.json()).toEqual({ error: 'invalid_grant', error_description: 'redirect_uri does not match the authorization request' });
    expect((await exchange(s, c, verifier)).status).toBe(200);
  });

  it('codes expire after codeTtl', async () => {
    const { s, code: c, verifier } = await code(server({ codeTtl: 30 }));
    s.control.advanceClock(31);
    expect(await (await exchange(s, c, verifier)).json()).toEqual({ error: 'invalid_grant', error_description: 'Authorization code expired' });
  });

  it('a replayed code revokes what it produced (the family and the access token)', async () => {
    const { s, code: c, verifier } = await code();
    const first = (await (await exchange(s, c, verifier)).json()) as Record<string, string>;
    const replay = await exchange(s, c, verifier);
    expect(replay.status).toBe(403);
    expect(await replay.json()).toEqual({ error: 'invalid_grant', error_description: 'Invalid authorization code' });
    expect(s.control.families()[0]).toMatchObject({ status: 'revoked', reason: 'code_replayed' });
    expect((await refresh(s, first.refresh_token!)).status).toBe(403);
    expect((await get(s, '/api/private', { Authorization: `Bearer ${first.access_token}` })).status).toBe(401);
    expect(s.control.events({ type: 'code.replayed' })).toHaveLength(1);
  });

  it('the same code exchanged twice at once: one answer, then the replay revokes it, access token included', async () => {
    const { s, code: c, verifier } = await code(server(), { scope: 'openid' });
    const [a, b] = await Promise.all([exchange(s, c, verifier), exchange(s, c, verifier)]);
    expect([a.status, b.status].sort()).toEqual([200, 403]);
    const ok = (await (a.status === 200 ? a : b).json()) as Record<string, string>;
    expect(ok.refresh_token).toBeUndefined();
    expect((await get(s, '/api/private', { Authorization: `Bearer ${ok.access_token}` })).status).toBe(401);
  });

  it('accepts a JSON body (auth0-spa-js without useFormData)', async () => {
    const { s, code: c, verifier } = await code();
    const res = await postJson(s, '/oauth/token', {
      grant_type: 'authorization_code', client_id: CLIENT, code: c, code_verifier: verifier, redirect_uri: 'http://localhost:3000/callback',
    });
    expect(res.status).toBe(200);
  });
});

describe('/oauth/token refresh_token', () => {
  it('a refreshed ID token keeps iss, sub, aud and the original auth_time, without nonce', async () => {
    const s = server();
    const t0 = await login(s);
    s.control.advanceClock(30);
    const r = await refresh(s, t0.refresh_token!);
    const a = decodeJwt(t0.id_token!);
    const b = decodeJwt(r.body.id_token!);
    expect([b.iss, b.sub, b.aud, b.auth_time]).toEqual([a.iss, a.sub, a.aud, a.auth_time]);
    expect(b.iat).toBe((a.iat as number) + 30);
    expect(b.nonce).toBeUndefined();
  });

  it('may narrow the scope but not widen it; may ask for another known API', async () => {
    const s = server();
    const t0 = await login(s);
    const wide = await refresh(s, t0.refresh_token!, { scope: 'openid admin' });
    expect(wide).toEqual({ status: 400, body: { error: 'invalid_scope', error_description: 'Scope not granted to this refresh token: admin' } });
    expect(s.control.families()[0]!.rotations).toBe(0);
    const narrow = await refresh(s, t0.refresh_token!, { scope: 'openid offline_access', audience: 'https://other-api.rotor.test' });
    expect(narrow.status).toBe(200);
    expect(narrow.body.scope).toBe('openid offline_access');
    expect(decodeJwt(narrow.body.access_token).aud).toEqual(['https://other-api.rotor.test', `${ISSUER}userinfo`]);
    const unknown = await refresh(s, narrow.body.refresh_token!, { audience: 'https://nowhere.test' });
    expect(unknown.status).toBe(403);
    expect(unknown.body.error).toBe('access_denied');
  });

  it('a token of another client is unknown to this one', async () => {
    const s = server({
      clients: [
        { clientId: 'demo', allowLoopbackRedirects: true },
        { clientId: 'other', allowLoopbackRedirects: true },
      ],
    });
    const t0 = await login(s);
    const res = await postForm(s, '/oauth/token', { grant_type: 'refresh_token', client_id: 'other', refresh_token: t0.refresh_token! });
    expect(res.status).toBe(403);
    expect(s.control.families()[0]).toMatchObject({ status: 'active', rotations: 0 });
  });

  it('error profile rfc answers reuse with 400 and the same body', async () => {
    const s = server({ errorProfile: 'rfc' });
    const t0 = await login(s);
    await refresh(s, t0.refresh_token!);
    expect(await refresh(s, t0.refresh_token!)).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' },
    });
  });

  it('concurrent presentations of one token: exactly one rotation, the other is reuse', async () => {
    const s = server();
    const t0 = await login(s);
    const results = await Promise.all([refresh(s, t0.refresh_token!), refresh(s, t0.refresh_token!)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 403]);
    expect(s.control.events({ type: 'refresh_token.rotated' })).toHaveLength(1);
  });
});

describe('CORS', () => {
  it('preflights allow the headers auth0-spa-js and DPoP clients send, for allowed origins', async () => {
    const s = server();
    for (const path of ['/oauth/token', '/oauth/revoke', '/userinfo']) {
      const res = await s.fetch(new Request(`http://127.0.0.1:4000${path}`, {
        method: 'OPTIONS',
        headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,auth0-client,dpop' },
      }));
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(res.headers.get('access-control-allow-headers')).toBe('Content-Type, Auth0-Client, DPoP, Authorization');
    }
    const evil = await s.fetch(new Request('http://127.0.0.1:4000/oauth/token', { method: 'OPTIONS', headers: { Origin: 'https://evil.test' } }));
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('token responses carry Access-Control-Allow-Origin for the client origin', async () => {
    const s = server();
    const t0 = await login(s);
    const res = await postForm(s, '/oauth/token', { grant_type: 'refresh_token', client_id: CLIENT, refresh_token: t0.refresh_token! }, { Origin: 'https://app.rotor.test' });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.rotor.test');
    const err = await postForm(s, '/oauth/token', { grant_type: 'refresh_token', client_id: CLIENT, refresh_token: 'x' }, { Origin: 'http://localhost:1' });
    expect(err.headers.get('access-control-allow-origin')).toBe('http://localhost:1');
  });
});
