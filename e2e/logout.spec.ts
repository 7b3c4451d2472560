import { clientCall, expect, loginWithRedirect, openHarness, rotorLocalStorageKeys, test, waitForHarness } from './fixtures.js';

test.use({ mockOptions: { autoLogin: 'user-1' } });

test('logout revokes the refresh-token family at the server, clears the cache and returns to the app', async ({ page, app, mock }) => {
  await openHarness(page, app, { domain: mock.url, cacheLocation: 'localstorage' });
  await loginWithRedirect(page, app);
  expect((await clientCall(page, 'getTokenSilently', { cacheMode: 'off' })).ok).toBe(true);
  const [family] = mock.control.families();
  const newest = family?.tokens.find((t) => t.state === 'current')?.value;
  expect(newest).toBeTruthy();
  expect(await rotorLocalStorageKeys(page)).not.toEqual([]);

  // The page leaves for the server's logout endpoint, then comes back (the harness' own URL already reads
  // as returnTo: it drops its ?config= on load, so waiting for the URL alone would not wait).
  const left = page.waitForRequest((r) => r.isNavigationRequest() && r.url().startsWith(mock.url));
  await page.evaluate((returnTo) => {
    const e2e = (window as unknown as { e2e: { client: { logout(o: unknown): Promise<void> } } }).e2e;
    void e2e.client.logout({ logoutParams: { returnTo } });
  }, `${app.url}/`);
  const back = page.waitForEvent('load'); // the next document's: the old one loaded long ago
  await left;
  await back;
  await page.waitForURL((u) => u.origin === app.url && u.pathname === '/');
  await waitForHarness(page);

  expect(mock.control.family(family?.id as string)).toMatchObject({ status: 'revoked', reason: 'revoked' });
  expect(mock.events('logout').length).toBeGreaterThanOrEqual(1);
  expect(await rotorLocalStorageKeys(page)).toEqual([]);
  expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: false });

  // The newest refresh token of the family is dead.
  const res = await fetch(`${mock.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'demo', refresh_token: newest as string }),
  });
  expect(res.status).toBe(403);
  expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
});
