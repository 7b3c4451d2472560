import { clientCall, expect, loginWithRedirect, openHarness, test, tokenRequests } from './fixtures.js';

test('redirect login through the login form: user, ID-token claims and an access token', async ({ page, app, mock }) => {
  await openHarness(page, app, { domain: mock.url, audience: 'https://api.rotor.test' });
  expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: false });

  await loginWithRedirect(page, app, { username: 'demo', password: 'demo' });

  expect(await page.evaluate(() => (window as unknown as { e2e: { callback?: unknown } }).e2e.callback)).toMatchObject({ ok: true });
  expect(page.url()).toBe(`${app.url}/`); // code and state removed from the URL
  expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });

  const user = await clientCall<{ sub: string; email?: string }>(page, 'getUser');
  expect(user).toMatchObject({ ok: true, value: { sub: 'user-1', email: 'demo@rotor.test' } });
  const claims = await clientCall<{ iss: string; aud: string | string[]; nonce?: string }>(page, 'getIdTokenClaims');
  expect(claims.ok && claims.value.iss).toBe(mock.issuer);
  expect(claims.ok && [claims.value.aud].flat()).toContain('demo');

  const token = await clientCall<string>(page, 'getTokenSilently');
  expect(token.ok).toBe(true);
  const payload = JSON.parse(Buffer.from((token.ok ? token.value : '').split('.')[1] ?? '', 'base64url').toString()) as { aud: string | string[]; sub: string };
  expect([payload.aud].flat()).toContain('https://api.rotor.test');
  expect(payload.sub).toBe('user-1');

  // The token is accepted by the protected API, from the page, across sites.
  const api = await page.evaluate(async ([url, t]) => {
    const res = await fetch(`${url}/api/private`, { headers: { authorization: `Bearer ${t}` } });
    return res.status;
  }, [mock.url, token.ok ? token.value : ''] as const);
  expect(api).toBe(200);

  // One code exchange, one family with a refresh token, nothing refreshed yet.
  expect(tokenRequests(mock, 'authorization_code')).toHaveLength(1);
  expect(tokenRequests(mock, 'refresh_token')).toHaveLength(0);
  const families = mock.control.families();
  expect(families).toHaveLength(1);
  expect(families[0]).toMatchObject({ sub: 'user-1', clientId: 'demo', status: 'active', rotations: 0 });
});

test('a wrong password keeps the user on the login form and signed out', async ({ page, app, mock }) => {
  await openHarness(page, app, { domain: mock.url });
  await page.evaluate(() => (window as unknown as { e2e: { login(): Promise<void> } }).e2e.login());
  await page.waitForURL((u) => u.origin === mock.url);
  await page.locator('input[name="username"]').fill('demo');
  await page.locator('input[name="password"]').fill('wrong');
  await page.locator('button[type="submit"], input[type="submit"]').first().click();
  await page.waitForLoadState();
  expect(new URL(page.url()).origin).toBe(mock.url);
  expect(mock.control.families()).toHaveLength(0);
  expect(tokenRequests(mock)).toHaveLength(0);
});
