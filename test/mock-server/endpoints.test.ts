import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { createMockServer } from '../../src/mock-server/index.js';
import { authorize, CLIENT, get, ISSUER, login, postForm, refresh, server } from './helpers.js';

const bearer = (at: string) => ({ Authorization: `Bearer ${at}` });

describe('discovery and JWKS', () => {
  it('publishes the exact issuer, S256, iss support and every endpoint', async () => {
    const doc = (await (await get(server(), '/.well-known/openid-configuration')).json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}authorize`,
      token_endpoint: `${ISSUER}oauth/token`,
      revocation_endpoint: `${ISSUER}oauth/revoke`,
      userinfo_endpoint: `${ISSUER}userinfo`,
      jwks_uri: `${ISSUER}.well-known/jwks.json`,
      end_session_endpoint: `${ISSUER}oidc/logout`,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      response_modes_supported: ['query', 'fragment', 'web_message'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
  });

  it('a fixed issuer option wins over the request origin', async () => {
    const s = server({ issuer: 'https://tenant.rotor.test/' });
    const doc = (await (await get(s, '/.well-known/openid-configuration')).json()) as Record<string, unknown>;
    expect(doc.issuer).toBe('https://tenant.rotor.test/');
    const a = await authorize(s);
    expect(a.params.get('iss')).toBe('https://tenant.rotor.test/');
  });

  it('key rotation: new tokens use the new kid; the old key stays published', async () => {
    const s = server();
    const t0 = await login(s);
    const kid0 = decodeProtectedHeader(t0.id_token!).kid;
    const { kid } = await s.control.rotateKeys();
    expect(kid).not.toBe(kid0);
    const t1 = await refresh(s, t0.refresh_token!);
    expect(decodeProtectedHeader(t1.body.id_token!).kid).toBe(kid);
    const jwks = (await (await get(s, '/.well-known/jwks.json')).json()) as { keys: Array<{ kid: string; alg: string; use: string; d?: string }> };
    expect(jwks.keys.map((k) => k.kid)).toEqual([kid, kid0]);
    expect(jwks.keys.every((k) => k.alg === 'RS256' && k.use === 'sig' && k.d === undefined)).toBe(true);
    // access tokens signed with the old key still verify
    expect((await get(s, '/api/private', bearer(t0.access_token))).status).toBe(200);
  });
});

describe('/oauth/revoke (RFC 7009)', () => {
  it('revoking a refresh token revokes its family; unknown tokens answer 200', async () => {
    const s = server();
    const t0 = await login(s);
    const r1 = await refresh(s, t0.refresh_token!);
    const res = await postForm(s, '/oauth/revoke', { client_id: CLIENT, token: t0.refresh_token! });
    expect(res.status).toBe(200);
    expect(s.control.families()[0]).toMatchObject({ status: 'revoked', reason: 'revoked' });
    expect((await refresh(s, r1.body.refresh_token!)).status).toBe(403);
    expect((await get(s, '/api/private', bearer(r1.body.access_token))).status).toBe(401);
    expect((await postForm(s, '/oauth/revoke', { client_id: CLIENT, token: 'never-issued' })).status).toBe(200);
    expect(s.control.events({ type: 'refresh_token.revoked' })).toHaveLength(1);
  });

  it('needs client_id and token', async () => {
    const s = server();
    expect(await (await postForm(s, '/oauth/revoke', { token: 'x' })).json()).toEqual({ error: 'invalid_request', error_description: 'Missing required parameter: client_id' });
    expect(await (await postForm(s, '/oauth/revoke', { client_id: CLIENT })).json()).toEqual({ error: 'invalid_request', error_description: 'Missing required parameter: token' });
    expect((await postForm(s, '/oauth/revoke', { client_id: 'nope', token: 'x' })).status).toBe(401);
  });
});

describe('/userinfo and /api/private', () => {
  it('userinfo returns the claims the scope allows', async () => {
    const s = server();
    const t = await login(s);
    const res = await get(s, '/userinfo', bearer(t.access_token));
    expect(await res.json()).toEqual({ sub: 'user-1', name: 'Demo User', nickname: 'demo', preferred_username: 'demo', email: 'demo@rotor.test', email_verified: true });
    const narrow = await login(s, { scope: 'openid' });
    expect(await (await get(s, '/userinfo', bearer(narrow.access_token))).json()).toEqual({ sub: 'user-1' });
    const noOpenid = await login(s, { scope: 'offline_access' });
    expect((await get(s, '/userinfo', bearer(noOpenid.access_token))).status).toBe(403);
  });

  it('rejects missing, tampered and expired tokens with 401 and WWW-Authenticate', async () => {
    const s = server({ accessTokenTtl: 60 });
    const t = await login(s);
    const missing = await get(s, '/api/private');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    const [h, p, sig] = t.access_token.split('.');
    const tampered = `${h}.${p}.${sig!.slice(0, -4)}AAAA`;
    expect((await get(s, '/api/private', bearer(tampered))).status).toBe(401);
    const ok = await get(s, '/api/private', bearer(t.access_token));
    expect(await ok.json()).toMatchObject({ sub: 'user-1', scope: 'openid profile email offline_access' });
    s.control.advanceClock(61);
    expect(await (await get(s, '/api/private', bearer(t.access_token))).json()).toEqual({ error: 'invalid_token', error_description: 'Invalid or expired access token' });
  });

  it('an expired family does not revoke its access tokens; a revoked one does', async () => {
    const s = server({ idleTtl: 10, accessTokenTtl: 100 });
    const t = await login(s);
    s.control.advanceClock(20);
    expect(s.control.families()[0]!.status).toBe('expired');
    expect((await get(s, '/api/private', bearer(t.access_token))).status).toBe(200);
  });
});

describe('logout', () => {
  it('/v2/logout clears the session and redirects only to an allowed returnTo', async () => {
    const s = server();
    const a = await authorize(s);
    const cookie = a.res.headers.getSetCookie()[0]!.split(';')[0]!;
    const bad = await get(s, `/v2/logout?client_id=${CLIENT}&returnTo=${encodeURIComponent('https://evil.test/')}`, { Cookie: cookie });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'invalid_request', error_description: 'returnTo is not an allowed logout URL' });
    expect((await authorize(s, { prompt: 'none' }, { Cookie: cookie })).params.get('code')).toBeTruthy();
    const ok = await get(s, `/v2/logout?client_id=${CLIENT}&returnTo=${encodeURIComponent('http://localhost:3000/')}`, { Cookie: cookie });
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toBe('http://localhost:3000/');
    expect(ok.headers.get('set-cookie')).toMatch(/^rotor_session=; .*Max-Age=0/);
    expect((await authorize(s, { prompt: 'none' }, { Cookie: cookie })).params.get('error')).toBe('login_required');
  });

  it('the OIDC end_session_endpoint takes id_token_hint, post_logout_redirect_uri and state', async () => {
    const s = server();
    const a = await authorize(s);
    const cookie = a.res.headers.getSetCookie()[0]!.split(';')[0]!;
    const t = await login(s);
    const q = new URLSearchParams({ id_token_hint: t.id_token!, post_logout_redirect_uri: 'https://app.rotor.test/bye', state: 'x' });
    const res = await get(s, `/oidc/logout?${q}`, { Cookie: cookie });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://app.rotor.test/bye?state=x');
    const noClient = await get(s, `/oidc/logout?post_logout_redirect_uri=${encodeURIComponent('https://app.rotor.test/')}`);
    expect(noClient.status).toBe(400);
    const junkHint = await get(s, '/oidc/logout?id_token_hint=abc');
    expect(await junkHint.json()).toEqual({ error: 'invalid_request', error_description: 'id_token_hint is not a valid ID token of this issuer' });
  });
});

describe('options', () => {
  it('are checked once, with errors that name the option', () => {
    expect(() => createMockServer({ reuseInterval: -1 })).toThrow('rotor-auth mock server: option reuseInterval: expected a number >= 0 (seconds), got -1');
    expect(() => createMockServer({ maxActiveRefreshTokens: 2.5 })).toThrow('option maxActiveRefreshTokens: expected an integer >= 1, got 2.5');
    expect(() => createMockServer({ issuer: 'http://x.test' })).toThrow('option issuer: must end with "/"');
    expect(() => createMockServer({ autoLogin: 'ghost' })).toThrow('option autoLogin: unknown user ghost');
    expect(() => createMockServer({ reuseIntervall: 5 } as never)).toThrow('option reuseIntervall: unknown option');
  });

  it('name the field and the expected type for wrong types deep in clients, users and apis (no internals)', () => {
    const bad: Array<[unknown, string]> = [
      [{ users: 'demo' }, 'option users: expected an array, got the string "demo"'],
      [{ users: [{ sub: 'a', username: 'a', password: 1 }] }, 'option users[0].password: expected a string, got 1'],
      [{ clients: [{ clientId: 'x', redirectUris: 'https://a.test/cb' }] }, 'option clients[0].redirectUris: expected an array'],
      [{ clients: [{ clientId: 'x', webOrigins: ['nope'] }] }, 'option clients[0].webOrigins[0]: expected an absolute URL, got the string "nope"'],
      [{ apis: [{ identifier: 'https://a', allowOfflineAccess: 'yes' }] }, 'option apis[0].allowOfflineAccess: expected a boolean'],
      [{ itp: 'true' }, 'option itp: expected a boolean, got the string "true"'],
      [{ port: 4000 }, 'option port: is a command-line flag (--port)'],
      [{ controlOrigins: [3] }, 'option controlOrigins[0]: expected a non-empty string, got 3'],
    ];
    for (const [o, msg] of bad) {
      const err = (() => {
        try {
          createMockServer(o as never);
        } catch (e) {
          return e as Error;
        }
        return null;
      })();
      expect(err?.name).toBe('MockOptionsError');
      expect(err?.message).toContain(msg);
      expect(err?.message.match(/rotor-auth mock server/g)).toHaveLength(1);
    }
  });
});
