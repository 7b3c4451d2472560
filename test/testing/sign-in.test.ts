import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createMockServer } from '../../src/mock-server/index.js';
import { expireAccessTokens, familyOf, refresh, replayRetiredRefreshToken, signIn, SignInError } from '../../src/testing/index.js';

describe('signIn', () => {
  it('runs a real code + PKCE login through the login form and returns the tokens and the family', async () => {
    const s = createMockServer();
    const t = await signIn(s, { audience: 'https://api.rotor.test' });
    expect(t.token_type).toBe('Bearer');
    expect(t.family).toMatch(/^fam_/);
    expect(familyOf(s, t.refresh_token!)?.id).toBe(t.family);
    expect(s.control.events({ type: 'login' })).toHaveLength(1);
    expect(s.control.events({ type: 'token_request' }).map((e) => e.grant_type)).toEqual(['authorization_code']);
    const jwks = (await (await s.fetch(new Request('http://localhost/.well-known/jwks.json'))).json()) as never;
    const { payload } = await jwtVerify(t.access_token, createLocalJWKSet(jwks), { issuer: 'http://localhost/', audience: 'https://api.rotor.test' });
    expect(payload.sub).toBe('user-1');
  });

  it('signs in as another user, with the scope asked, and passes the MFA step', async () => {
    const s = createMockServer({ users: [{ sub: 'a', username: 'a', password: 'pa' }, { sub: 'b', username: 'b', password: 'pb' }] });
    s.control.requireMfa('b');
    const t = await signIn(s, { sub: 'b', scope: 'openid offline_access' });
    expect(t.scope).toBe('openid offline_access');
    expect(s.control.family(t.family!)?.sub).toBe('b');
    expect(s.control.events({ type: 'login' })[0]?.detail).toEqual({ mfa: true });
  });

  it('without offline_access there is no refresh token and no family', async () => {
    const t = await signIn(createMockServer(), { scope: 'openid' });
    expect(t.refresh_token).toBeUndefined();
    expect(t.family).toBeNull();
  });

  it('fails with a typed error naming the step and the server code', async () => {
    const s = createMockServer();
    await expect(signIn(s, { clientId: 'nope' })).rejects.toMatchObject({ name: 'SignInError', error: 'invalid_client' });
    await expect(signIn(s, { sub: 'ghost' })).rejects.toBeInstanceOf(SignInError);
    await expect(signIn(s, { audience: 'https://unknown.test' })).rejects.toMatchObject({ error: 'access_denied' });
    const auto = createMockServer({ autoLogin: 'a', users: [{ sub: 'a', username: 'a', password: 'x' }, { sub: 'b', username: 'b', password: 'y' }] });
    await expect(signIn(auto, { sub: 'b' })).rejects.toThrow('signed in as a, not b');
    expect((await signIn(auto, { sub: 'a' })).family).toMatch(/^fam_/);
  });

  it('works against a listening server (the pinned issuer)', async () => {
    const s = createMockServer();
    const l = await s.listen(0);
    try {
      const t = await signIn(s);
      const claims = JSON.parse(Buffer.from(t.id_token!.split('.')[1]!, 'base64url').toString()) as { iss: string };
      expect(claims.iss).toBe(`${l.url}/`);
    } finally {
      await l.close();
    }
  });
});

describe('scenario helpers', () => {
  it('expireAccessTokens moves the server clock past the access token (and leeway)', async () => {
    const s = createMockServer({ accessTokenTtl: 120 });
    const t = await signIn(s, { audience: 'https://api.rotor.test' });
    const before = s.control.now();
    expect(expireAccessTokens(s, t)).toBe(180);
    expect(s.control.now() - before).toBeGreaterThanOrEqual(180_000);
    const api = await s.fetch(new Request('http://localhost/api/private', { headers: { Authorization: `Bearer ${t.access_token}` } }));
    expect(api.status).toBe(401);
  });

  it('replayRetiredRefreshToken revokes the family; refresh reports status and body', async () => {
    const s = createMockServer();
    const t = await signIn(s);
    const next = await refresh(s, t.refresh_token!);
    expect(next.status).toBe(200);
    expect(await replayRetiredRefreshToken(s, t.family!)).toEqual({ status: 403, error: 'invalid_grant', familyStatus: 'revoked' });
    const dead = await refresh(s, next.body.refresh_token!);
    expect(dead).toMatchObject({ status: 403, body: { error: 'invalid_grant' } });
  });

  it('refresh asking beyond the grant answers invalid_scope', async () => {
    const s = createMockServer();
    s.control.declineScopes('user-1', ['email']);
    const t = await signIn(s);
    expect((await refresh(s, t.refresh_token!, { scope: 'openid email offline_access' })).body.error).toBe('invalid_scope');
  });
});
