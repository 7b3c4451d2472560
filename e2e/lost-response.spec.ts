import { clientCall, expect, loginWithRedirect, openHarness, test, tokenRequests } from './fixtures.js';

test.describe('inside the reuse interval', () => {
  test.use({ mockOptions: { autoLogin: 'user-1', reuseInterval: 30 } });

  test('a rotation whose response is lost is recovered with the same refresh token', async ({ page, app, mock }) => {
    await openHarness(page, app, { domain: mock.url, cacheLocation: 'localstorage' });
    await loginWithRedirect(page, app);
    const before = await clientCall<string>(page, 'getTokenSilently');

    // The server applies the next rotation, then the connection dies before the answer arrives.
    mock.control.faults({ dropNextRotation: 1 });
    const token = await clientCall<string>(page, 'getTokenSilently', { cacheMode: 'off' });
    expect(token.ok).toBe(true);
    expect(token).not.toEqual(before);

    const refreshes = tokenRequests(mock, 'refresh_token');
    expect(refreshes).toHaveLength(2); // the lost one and the retry
    expect(mock.events('refresh_token.reuse_interval')).toHaveLength(1);
    expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
    const [family] = mock.control.families();
    expect(family).toMatchObject({ status: 'active' });

    // The session goes on: the successor the retry received rotates normally.
    expect((await clientCall(page, 'getTokenSilently', { cacheMode: 'off' })).ok).toBe(true);
    expect(mock.control.families()[0]).toMatchObject({ status: 'active' });
    expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
    expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });
  });
});

test.describe('without a reuse interval', () => {
  test.use({ mockOptions: { autoLogin: 'user-1', reuseInterval: 0 } });

  test('a lost rotation response ends the session with invalid_grant and a clean cache', async ({ page, app, mock }) => {
    await openHarness(page, app, { domain: mock.url, cacheLocation: 'localstorage' });
    await loginWithRedirect(page, app);
    mock.control.faults({ dropNextRotation: 1 });
    const result = await clientCall(page, 'getTokenSilently', { cacheMode: 'off' });
    expect(result).toMatchObject({ ok: false, error: 'invalid_grant' });
    expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: false });
    expect(mock.control.families()[0]).toMatchObject({ status: 'revoked', reason: 'reuse_detected' });
    const keys = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('@@rotor@@') && k.includes('::rt::')));
    expect(keys).toEqual([]);
  });
});
