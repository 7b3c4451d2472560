import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { createTestClient, type AuthClientInterface, type TestClient } from '../../src/testing/index.js';
import { AuthClient, MissingRefreshTokenError, NetworkError, OAuthError, type SessionEvent } from '../../src/index.js';

const ada = { sub: 'user-1', name: 'Ada Lovelace', email: 'ada@example.com' };

describe('createTestClient()', () => {
  it('has every public member of AuthClient (the type fails to compile when one is missing)', () => {
    expectTypeOf<TestClient>().toMatchTypeOf<AuthClientInterface>();
    // At run time too: every method of the class that its source does not declare private.
    const source = readFileSync(new URL('../../src/client/client.ts', import.meta.url), 'utf8');
    const isPrivate = (name: string) => new RegExp(`private (?:async )?${name}\\b`).test(source);
    const client = createTestClient();
    const missing = Object.getOwnPropertyNames(AuthClient.prototype).filter((n) => n !== 'constructor' && !isPrivate(n) && !(n in client));
    expect(missing).toEqual([]);
    expect(isPrivate('silent') && !isPrivate('getTokenSilently')).toBe(true);
  });

  it('a configured user is signed in: user, claims and a token, with no network', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const client = createTestClient({ user: ada, claims: { org_id: 'org_1' }, accessToken: 'at' });
    expect(await client.isAuthenticated()).toBe(true);
    expect(await client.getUser()).toEqual(ada);
    expect(await client.getIdTokenClaims()).toMatchObject({ sub: 'user-1', org_id: 'org_1', aud: 'test' });
    expect(await client.getTokenSilently()).toBe('at');
    expect(await client.getTokenSilently({ detailedResponse: true })).toMatchObject({ access_token: 'at', token_type: 'Bearer', expires_in: expect.closeTo(3600, -1) });
    expect(fetchSpy).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
  });

  it('signed out: getTokenSilently rejects MissingRefreshTokenError, cache-only resolves undefined', async () => {
    const client = createTestClient();
    expect(await client.isAuthenticated()).toBe(false);
    expect(await client.getUser()).toBeUndefined();
    await expect(client.getTokenSilently()).rejects.toBeInstanceOf(MissingRefreshTokenError);
    expect(await client.getTokenSilently({ cacheMode: 'cache-only' })).toBeUndefined();
  });

  it('an expired token is refreshed once: a new token and tokenRefreshed', async () => {
    const client = createTestClient({ user: ada, accessToken: 'at' });
    const events: SessionEvent[] = [];
    client.on('tokenRefreshed', (e) => events.push(e));
    client.expireAccessToken();
    expect(await client.getTokenSilently({ cacheMode: 'cache-only' })).toBeUndefined();
    expect(await client.getTokenSilently()).toBe('at.1');
    expect(await client.getTokenSilently()).toBe('at.1');
    expect(client.refreshCount).toBe(1);
    expect(events).toMatchObject([{ type: 'tokenRefreshed', audience: 'default' }]);
  });

  it('scripted invalid_grant signs the user out (signedOut invalid_grant); login_required, mfa_required and offline keep the session', async () => {
    const client = createTestClient({ user: ada });
    const reasons: string[] = [];
    client.on('signedOut', (e) => reasons.push(e.reason));
    client.failNextRefresh('mfa_required');
    client.failNextRefresh('login_required');
    client.failNextRefresh('offline');
    client.failNextRefresh('invalid_grant');
    const forced = () => client.getTokenSilently({ cacheMode: 'off' });
    await expect(forced()).rejects.toMatchObject({ error: 'mfa_required', constructor: OAuthError });
    await expect(forced()).rejects.toMatchObject({ error: 'login_required' });
    await expect(forced()).rejects.toBeInstanceOf(NetworkError);
    expect(await client.isAuthenticated()).toBe(true);
    await expect(forced()).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await client.isAuthenticated()).toBe(false);
    expect(reasons).toEqual(['invalid_grant']);
  });

  it('a slow refresh resolves after its delay', async () => {
    vi.useFakeTimers();
    try {
      const client = createTestClient({ user: ada, accessToken: 'at' });
      client.failNextRefresh({ slowMs: 5000 });
      let token: string | undefined;
      void client.getTokenSilently({ cacheMode: 'off' }).then((t) => (token = t));
      await vi.advanceTimersByTimeAsync(4999);
      expect(token).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(token).toBe('at.1');
    } finally {
      vi.useRealTimers();
    }
  });

  it('login and logout emit signedIn and signedOut; the calls are recorded', async () => {
    const client = createTestClient({ user: null });
    const seen: string[] = [];
    client.on('signedIn', (e) => seen.push(e.type));
    client.on('signedOut', (e) => seen.push(`${e.type}:${e.reason}`));
    await client.loginWithRedirect({ appState: { to: '/x' } });
    expect(await client.isAuthenticated()).toBe(false); // a redirect only navigates
    client.signIn(ada);
    await client.logout();
    client.signIn(ada);
    client.signOut();
    expect(seen).toEqual(['signedIn', 'signedOut:logout', 'signedIn', 'signedOut:other_tab']);
    expect(client.calls.map((c) => c.method)).toEqual(['on', 'on', 'loginWithRedirect', 'isAuthenticated', 'logout']);
    expect(client.calls[2]!.args).toEqual([{ appState: { to: '/x' } }]);
  });

  it("createFetcher sends the test client's token, and refreshes once on a 401 invalid_token", async () => {
    const client = createTestClient({ user: ada, accessToken: 'at' });
    const seen: (string | null)[] = [];
    const fetcher = client.createFetcher({
      baseUrl: 'https://api.example.com',
      fetch: async (request: Request) => {
        seen.push(request.headers.get('authorization'));
        return seen.length === 1
          ? new Response(null, { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } })
          : new Response('ok');
      },
    });
    expect(await (await fetcher.fetchWithAuth('/orders')).text()).toBe('ok');
    expect(seen).toEqual(['Bearer at', 'Bearer at.1']);
  });

  it('getConfiguration reports the given options', () => {
    expect(createTestClient({ options: { clientId: 'spa', domain: 'id.example.com' } }).getConfiguration()).toMatchObject({ clientId: 'spa' });
  });
});
