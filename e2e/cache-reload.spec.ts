import { clientCall, expect, loginWithRedirect, openHarness, test, tokenRequests, waitForHarness } from './fixtures.js';

test.use({ mockOptions: { autoLogin: 'user-1' } });

test('memory cache: a reload loses the session (by design)', async ({ page, app, mock }) => {
  await openHarness(page, app, { domain: mock.url, cacheLocation: 'memory' });
  await loginWithRedirect(page, app);
  expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });
  expect((await clientCall(page, 'getTokenSilently')).ok).toBe(true);

  await page.reload();
  await waitForHarness(page);
  expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: false });
  expect(await clientCall(page, 'getUser')).toEqual({ ok: true, value: null });
  const token = await clientCall(page, 'getTokenSilently');
  expect(token).toMatchObject({ ok: false, name: 'MissingRefreshTokenError', error: 'missing_refresh_token' });
  expect(token.ok === false && token.classes).toEqual(['GenericError', 'MissingRefreshTokenError']);
  expect(token.ok === false && token.error_description).toMatch(/^Missing Refresh Token \(audience: '.*', scope: '.*openid.*'\)$/);
  // Nothing was sent: there was no refresh token to present.
  expect(tokenRequests(mock, 'refresh_token')).toHaveLength(0);
  // The server-side family is untouched (the tokens were only forgotten by the tab).
  expect(mock.control.families()[0]).toMatchObject({ status: 'active' });
});

for (const cacheLocation of ['localstorage', 'indexeddb'] as const) {
  test(`${cacheLocation} cache: the session survives a reload and keeps rotating`, async ({ page, app, mock }) => {
    await openHarness(page, app, { domain: mock.url, cacheLocation });
    await loginWithRedirect(page, app);
    const token = await clientCall<string>(page, 'getTokenSilently');
    expect(token.ok).toBe(true);

    await page.reload();
    await waitForHarness(page);
    expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });
    expect(await clientCall(page, 'getUser')).toMatchObject({ ok: true, value: { sub: 'user-1' } });
    // Same access token from the persisted cache, no token request.
    expect(await clientCall(page, 'getTokenSilently')).toEqual(token);
    expect(tokenRequests(mock, 'refresh_token')).toHaveLength(0);

    // The persisted refresh token still works after the reload, and its successor is persisted too.
    const rotated = await clientCall<string>(page, 'getTokenSilently', { cacheMode: 'off' });
    expect(rotated.ok).toBe(true);
    expect(rotated).not.toEqual(token);
    await page.reload();
    await waitForHarness(page);
    expect(await clientCall(page, 'getTokenSilently')).toEqual(rotated);
    expect((await clientCall(page, 'getTokenSilently', { cacheMode: 'off' })).ok).toBe(true);
    expect(mock.control.families()[0]).toMatchObject({ status: 'active', rotations: 2 });
    expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
  });
}
