// The core scenarios of the mock-server suite, against oidc-provider 9 (an independent, OpenID
// Certified server) through `issuer` discovery: login, getUser with loadUserInfo, two forced
// refreshes that each rotate, a replayed old refresh token (from Node) ending the session,
// re-login, and logout that revokes the refresh token and uses the provider's end_session_endpoint.
// Once as oidc-provider documents it for SPAs (refresh tokens without offline_access in the grant),
// once with prompt=consent (offline_access granted). What the server did is counted from its events.
import type { Page, Response } from '@playwright/test';
import { clientCall, expect, loginWithRedirect, test as base, waitForHarness, type StaticServer } from '../fixtures.js';
import { startOidcProvider, type RunningOidcProvider } from './server.js';

const test = base.extend<{ provider: RunningOidcProvider }>({
  provider: async ({ app }, use) => {
    const provider = await startOidcProvider({ appOrigin: app.url });
    await use(provider);
    await provider.close();
  },
});

/** Opens the e2e harness configured for the provider (no `domain`: discovery from `issuer`). */
async function openHarness(page: Page, app: StaticServer, provider: RunningOidcProvider, prompt?: 'consent'): Promise<void> {
  const config = {
    clientId: provider.clientId,
    options: {
      issuer: provider.issuer,
      loadUserInfo: true,
      authorizationParams: { redirect_uri: `${app.url}/`, ...(prompt ? { prompt } : {}) },
    },
  };
  await page.goto(`${app.url}/?${new URLSearchParams({ config: JSON.stringify(config) })}`);
  await waitForHarness(page);
}

/** Every token-endpoint response body the page received, in order. */
function tokenResponses(page: Page, provider: RunningOidcProvider): Promise<Record<string, unknown>>[] {
  const bodies: Promise<Record<string, unknown>>[] = [];
  page.on('response', (res: Response) => {
    if (res.url() === `${provider.issuer}/token` && res.request().method() === 'POST') bodies.push(res.json().catch(() => ({})));
  });
  return bodies;
}

async function refreshFromNode(provider: RunningOidcProvider, refreshToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${provider.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: provider.clientId, refresh_token: refreshToken }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

for (const prompt of [undefined, 'consent'] as const) {
  test(`oidc-provider ${prompt ? 'with prompt=consent (offline_access granted)' : 'as documented for SPAs (no offline_access granted)'}`, async ({ page, app, provider }) => {
    const responses = tokenResponses(page, provider);
    let seen = 0;
    /** The provider events since the previous call. */
    const phase = () => provider.events.slice(seen, (seen = provider.events.length)).map((e) => e.type);
    await openHarness(page, app, provider, prompt);

    // Login: one code grant, one refresh token.
    await loginWithRedirect(page, app);
    expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });
    const login = await responses[0];
    expect(login).toMatchObject({ token_type: 'Bearer', refresh_token: expect.any(String) });
    const granted = String(login?.scope).split(' ');
    expect(granted).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
    expect(granted.includes('offline_access')).toBe(prompt === 'consent');
    expect(phase()).toEqual(['refresh_token.saved', 'grant.success']);

    // getUser: profile and email come from userinfo (the provider keeps them out of the ID token).
    const claims = await clientCall<Record<string, unknown>>(page, 'getIdTokenClaims');
    expect(claims.ok && claims.value).toMatchObject({ sub: provider.user.sub, iss: provider.issuer });
    expect(claims.ok && claims.value).not.toHaveProperty('email');
    expect(await clientCall(page, 'getUser')).toEqual({
      ok: true,
      value: expect.objectContaining({ sub: provider.user.sub, name: provider.user.name, email: provider.user.email, email_verified: true }),
    });

    // Two forced refreshes, each rotating the refresh token.
    const first = await clientCall<string>(page, 'getTokenSilently', { cacheMode: 'off' });
    const second = await clientCall<string>(page, 'getTokenSilently', { cacheMode: 'off' });
    expect(first.ok && second.ok && first.value !== second.value).toBe(true);
    const tokens = await Promise.all(responses.slice(0, 3));
    const refreshTokens = tokens.map((t) => t.refresh_token);
    expect(new Set(refreshTokens).size).toBe(3);
    const rotation = ['refresh_token.consumed', 'refresh_token.saved', 'grant.success'];
    expect(phase()).toEqual([...rotation, ...rotation]);

    // An attacker replays the first (consumed) refresh token from Node: the provider revokes the grant.
    const replay = await refreshFromNode(provider, String(refreshTokens[0]));
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(phase()).toEqual(['refresh_token.destroyed', 'grant.revoked', 'grant.error']);

    // The SDK's next refresh presents the newest token: invalid_grant, the family is purged, signed out.
    const rejected = await clientCall(page, 'getTokenSilently', { cacheMode: 'off' });
    expect(rejected).toMatchObject({ ok: false, name: 'OAuthError', error: 'invalid_grant' });
    expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: false });
    expect(await clientCall(page, 'getTokenSilently', { cacheMode: 'cache-only' })).toEqual({ ok: true, value: null });
    expect(phase()).toEqual(['grant.error']);

    // Signing in again works (a new grant).
    await loginWithRedirect(page, app);
    expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });
    expect(await clientCall(page, 'getUser')).toMatchObject({ ok: true, value: { sub: provider.user.sub, name: provider.user.name } });
    const relogin = (await Promise.all(responses)).at(-1);
    const current = String(relogin?.refresh_token);
    expect(refreshTokens).not.toContain(current);
    expect(phase()).toEqual(['refresh_token.saved', 'grant.success']);

    // Logout: revokes the refresh token (RFC 7009), then the provider's end_session_endpoint signs the
    // user out there and sends the browser back (post_logout_redirect_uri).
    await page.evaluate((returnTo) => {
      void (window as unknown as { e2e: { client: { logout(o: unknown): Promise<void> } } }).e2e.client.logout({ logoutParams: { returnTo } });
    }, `${app.url}/`);
    await expect.poll(() => provider.count('end_session.success')).toBe(1);
    await page.waitForURL(`${app.url}/`);
    await waitForHarness(page);
    // Revocation destroys the refresh token and its grant; end_session also ends the grant of a
    // session that was not granted offline_access.
    expect(phase()).toEqual(['refresh_token.destroyed', 'grant.revoked', ...(prompt ? [] : ['grant.revoked']), 'end_session.success']);
    expect(await refreshFromNode(provider, current)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(phase()).toEqual(['grant.error']);
    expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: false });

    // In all: 2 code grants + 2 rotations, and nothing went wrong on the provider's side.
    expect(provider.count('refresh_token.saved')).toBe(4);
    expect(provider.count('refresh_token.consumed')).toBe(2);
    expect(provider.count('server_error')).toBe(0);
    expect(provider.notices.length).toBeGreaterThan(0); // routed here, not to the test output
  });
}
