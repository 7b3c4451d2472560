// Scenario 1 in WebKit: redirect login through the mock's form → callback → getTokenSilently
// (from the cache) → a forced refresh rotates the refresh token (the mock's events show it).
import { clientCall, expect, loginWithRedirect, openHarness, test } from './fixtures.js';

test('login redirect → callback → getTokenSilently → a forced refresh rotates', async ({ driver, app, mock }) => {
  await openHarness(driver, app, { domain: mock.url, cacheLocation: 'localstorage' });
  expect(mock.url.startsWith('https://127.0.0.1:')).toBe(true);
  await loginWithRedirect(driver, app);
  expect(await clientCall(driver, 'isAuthenticated')).toEqual({ ok: true, value: true });
  expect(await clientCall(driver, 'getUser')).toMatchObject({ ok: true, value: { sub: expect.any(String) } });

  const cached = await clientCall<string>(driver, 'getTokenSilently');
  expect(cached.ok).toBe(true);
  expect(mock.events('refresh_token.rotated')).toHaveLength(0);

  const forced = await clientCall<string>(driver, 'getTokenSilently', { cacheMode: 'off' });
  expect(forced.ok).toBe(true);
  expect(forced.ok && cached.ok && forced.value !== cached.value).toBe(true);
  expect(mock.events('refresh_token.rotated')).toHaveLength(1);
  expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
  const [family] = mock.control.families();
  expect(family).toMatchObject({ status: 'active', rotations: 1 });
});
