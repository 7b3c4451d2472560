// @vitest-environment happy-dom
import { http, HttpResponse } from 'msw';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MissingRefreshTokenError, NetworkError, UserInfoError } from '../../src/index.js';
import { AUTH, harness, login, makeClient, rejectionOf } from './helpers.js';

const h = harness();
beforeEach(() => {
  h.start();
  sessionStorage.clear();
});

const userinfoCalls = () => h.requests.filter((r) => r === 'GET /userinfo').length;

describe('getUser with loadUserInfo', () => {
  it('is off by default: the ID token only, no userinfo request', async () => {
    const client = makeClient();
    await login(h, client);
    expect(await client.getUser()).toMatchObject({ sub: 'user-1', email: expect.any(String) });
    expect(userinfoCalls()).toBe(0);
  });

  it('merges the userinfo response (Bearer access token) over the ID-token claims, once per sign-in', async () => {
    const seen: (string | null)[] = [];
    h.use(
      http.get(`${AUTH}/userinfo`, ({ request }) => {
        seen.push(request.headers.get('authorization'));
        return HttpResponse.json({ sub: 'user-1', picture: 'https://img.test/u1.png', name: 'From Userinfo', iss: 'ignored' });
      }),
    );
    const client = makeClient({ loadUserInfo: true });
    await login(h, client);
    const token = await client.getTokenSilently();
    const user = await client.getUser();
    expect(user).toMatchObject({ sub: 'user-1', picture: 'https://img.test/u1.png', name: 'From Userinfo', email: expect.any(String) });
    expect(user).not.toHaveProperty('iss');
    expect(seen).toEqual([`Bearer ${token}`]);
    // Cached for this sign-in: concurrent and later calls make no new request.
    await Promise.all([client.getUser(), client.getUser()]);
    expect(seen).toHaveLength(1);
    // A new sign-in loads it again.
    await login(h, client);
    await client.getUser();
    expect(seen).toHaveLength(2);
  });

  it("rejects a userinfo response whose sub is not the ID token's (OIDC Core 5.3.2) and does not cache it", async () => {
    h.use(http.get(`${AUTH}/userinfo`, () => HttpResponse.json({ sub: 'someone-else', name: 'Mallory' }), { once: true }));
    const client = makeClient({ loadUserInfo: true });
    await login(h, client);
    const err = await rejectionOf(client.getUser());
    expect(err).toBeInstanceOf(UserInfoError);
    expect(err).toMatchObject({ error: 'invalid_userinfo' });
    expect((err as UserInfoError).error_description).toContain('"someone-else"');
    // The session is untouched and the next call asks the (real) endpoint again.
    expect(await client.isAuthenticated()).toBe(true);
    expect(await client.getUser()).toMatchObject({ sub: 'user-1' });
    expect(userinfoCalls()).toBe(2);
  });

  it('a transient userinfo failure is a typed error that keeps the session and is retried next time', async () => {
    h.use(http.get(`${AUTH}/userinfo`, () => HttpResponse.text('down', { status: 503 }), { once: true }));
    const client = makeClient({ loadUserInfo: true });
    await login(h, client);
    const err = await rejectionOf(client.getUser());
    expect(err).toBeInstanceOf(NetworkError);
    expect(await client.isAuthenticated()).toBe(true);
    expect(await client.getUser()).toMatchObject({ sub: 'user-1', name: expect.any(String) });
  });

  it('a non-object userinfo body is an invalid response', async () => {
    h.use(http.get(`${AUTH}/userinfo`, () => HttpResponse.text('eyJhbGciOi.x.y', { headers: { 'content-type': 'application/jwt' } })));
    const client = makeClient({ loadUserInfo: true });
    await login(h, client);
    expect(await rejectionOf(client.getUser())).toMatchObject({ error: 'invalid_response' });
  });

  it('returns undefined when signed out, without a request', async () => {
    const client = makeClient({ loadUserInfo: true });
    expect(await client.getUser()).toBeUndefined();
    expect(userinfoCalls()).toBe(0);
  });
});

describe('a login that returns no refresh token', () => {
  it('warns with the likely causes, and the later missing_refresh_token says why', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      // The mock server's https://no-offline.rotor.test API does not allow offline access.
      const client = makeClient({ authorizationParams: { redirect_uri: 'https://app.rotor.test/callback', audience: 'https://no-offline.rotor.test' } });
      await login(h, client);
      expect(await client.isAuthenticated()).toBe(true);
      expect(warn).toHaveBeenCalledTimes(1);
      const message = String(warn.mock.calls[0]?.[0]);
      expect(message).toContain('no refresh token');
      expect(message).toContain('offline access');
      expect(message).toContain("prompt 'consent'");
      const err = await rejectionOf(client.getTokenSilently({ cacheMode: 'off' }));
      expect(err).toBeInstanceOf(MissingRefreshTokenError);
      expect((err as MissingRefreshTokenError).error_description).toContain('the login returned no refresh token');
    } finally {
      warn.mockRestore();
    }
  });

  it('does not warn when refresh tokens are off, and a signed-out missing_refresh_token gives no such reason', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const off = makeClient({ useRefreshTokens: false });
      await login(h, off);
      expect(warn).not.toHaveBeenCalled();
      const signedOut = makeClient();
      const err = await rejectionOf(signedOut.getTokenSilently());
      expect(err).toBeInstanceOf(MissingRefreshTokenError);
      expect((err as MissingRefreshTokenError).error_description).not.toContain('login returned');
    } finally {
      warn.mockRestore();
    }
  });
});
