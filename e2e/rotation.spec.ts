import { advanceClocks, clientCall, expect, loginWithRedirect, openHarness, test, tokenRequests } from './fixtures.js';

const TTL = 600; // access-token lifetime at the server, seconds

test.use({ mockOptions: { accessTokenTtl: TTL, autoLogin: 'user-1' } });

for (const cacheLocation of ['memory', 'localstorage'] as const) {
  test(`refresh tokens rotate over several access-token expiries (fake clock, ${cacheLocation})`, async ({ page, app, mock }) => {
    await page.clock.install();
    await openHarness(page, app, { domain: mock.url, cacheLocation, audience: 'https://api.rotor.test' });
    await loginWithRedirect(page, app);

    const first = await clientCall<string>(page, 'getTokenSilently');
    expect(first.ok).toBe(true);
    let current = first.ok ? first.value : '';
    const seen = new Set([current]);
    const familyId = mock.control.families()[0]?.id;
    expect(familyId).toBeDefined();

    for (let round = 1; round <= 3; round++) {
      // Still valid: served from the cache, no token request.
      const cached = await clientCall<string>(page, 'getTokenSilently');
      expect(cached).toEqual({ ok: true, value: current });
      expect(tokenRequests(mock, 'refresh_token')).toHaveLength(round - 1);

      // Past expiry on both clocks: the next call rotates the refresh token.
      await advanceClocks(page.clock, mock, TTL + 1);
      const next = await clientCall<string>(page, 'getTokenSilently');
      expect(next.ok).toBe(true);
      const value = next.ok ? next.value : '';
      expect(seen.has(value)).toBe(false);
      seen.add(value);
      current = value;

      expect(tokenRequests(mock, 'refresh_token')).toHaveLength(round);
      const family = mock.control.family(familyId as string);
      expect(family).toMatchObject({ status: 'active', rotations: round });
      expect(family?.tokens.filter((t) => t.state === 'current')).toHaveLength(1);
      expect(family?.tokens.filter((t) => t.state === 'rotated')).toHaveLength(round);
    }

    // Rotation never tripped reuse detection, and the latest access token works at the API.
    expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
    expect(mock.events('refresh_token.rotated')).toHaveLength(3);
    expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });
    const status = await page.evaluate(async ([url, t]) => (await fetch(`${url}/api/private`, { headers: { authorization: `Bearer ${t}` } })).status, [mock.url, current] as const);
    expect(status).toBe(200);
  });
}

test('cacheMode "off" forces a rotation even while the access token is valid', async ({ page, app, mock }) => {
  await openHarness(page, app, { domain: mock.url });
  await loginWithRedirect(page, app);
  const a = await clientCall<string>(page, 'getTokenSilently');
  const b = await clientCall<string>(page, 'getTokenSilently', { cacheMode: 'off' });
  expect(a.ok && b.ok).toBe(true);
  expect(b).not.toEqual(a);
  expect(tokenRequests(mock, 'refresh_token')).toHaveLength(1);
  expect(mock.control.families()[0]).toMatchObject({ status: 'active', rotations: 1 });
  // And the cache now answers with the new token.
  expect(await clientCall<string>(page, 'getTokenSilently')).toEqual(b);
});
