import { clientCall, expect, loginWithRedirect, openHarness, rotorLocalStorageKeys, test, tokenRequests } from './fixtures.js';

test.use({ mockOptions: { autoLogin: 'user-1' } });

test('an attacker replaying an old refresh token revokes the family; the tab is signed out and can sign in again', async ({ page, app, mock }) => {
  await openHarness(page, app, { domain: mock.url, cacheLocation: 'localstorage' });
  await loginWithRedirect(page, app);

  // One legitimate rotation, so an already-used refresh token exists.
  const before = await clientCall<string>(page, 'getTokenSilently', { cacheMode: 'off' });
  expect(before.ok).toBe(true);
  const [family] = mock.control.families();
  expect(family).toMatchObject({ status: 'active', rotations: 1 });
  const stolen = family?.tokens.find((t) => t.state === 'rotated')?.value;
  expect(stolen).toBeTruthy();

  // The attacker, outside the browser, presents the stolen (already rotated) token.
  const res = await fetch(`${mock.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'demo', refresh_token: stolen as string }),
  });
  expect(res.status).toBe(403);
  expect(await res.json()).toEqual({ error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' });
  expect(mock.control.family(family?.id as string)).toMatchObject({ status: 'revoked', reason: 'reuse_detected' });
  expect(mock.events('refresh_token.reuse_detected')).toHaveLength(1);

  // The legitimate tab's next refresh presents the newest token of the family: rejected too.
  const after = await clientCall(page, 'getTokenSilently', { cacheMode: 'off' });
  expect(after).toMatchObject({ ok: false, name: 'OAuthError', error: 'invalid_grant' });
  expect(after.ok === false && after.error_description).toBe('Unknown or invalid refresh token.');
  expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: false });
  expect(await rotorLocalStorageKeys(page).then((keys) => keys.filter((k) => /::rt::/.test(k)))).toEqual([]);

  // The family is gone for good: a reload does not resurrect the session.
  await page.reload();
  await page.waitForFunction(() => (window as unknown as { e2e?: { state: string } }).e2e?.state === 'ready');
  expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: false });

  // Signing in again starts a new, working family.
  await loginWithRedirect(page, app);
  expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });
  const fresh = await clientCall<string>(page, 'getTokenSilently', { cacheMode: 'off' });
  expect(fresh.ok).toBe(true);
  const families = mock.control.families();
  expect(families.map((f) => f.status).sort()).toEqual(['active', 'revoked']);
  expect(families.find((f) => f.status === 'active')).toMatchObject({ rotations: 1 });
  expect(tokenRequests(mock, 'authorization_code')).toHaveLength(2);
});
