import { advanceClocks, clientCall, expect, loginWithRedirect, openHarness, test, tokenRequests } from './fixtures.js';

const TTL = 600;
test.use({ mockOptions: { accessTokenTtl: TTL, autoLogin: 'user-1' } });

for (const cacheLocation of ['localstorage', 'indexeddb'] as const) {
  test(`two tabs refreshing at once (${cacheLocation}): one token request, no reuse detection`, async ({ context, page, app, mock }) => {
    await context.clock.install();
    const config = { domain: mock.url, cacheLocation, audience: 'https://api.rotor.test' };
    await openHarness(page, app, config);
    await loginWithRedirect(page, app);
    const initial = await clientCall<string>(page, 'getTokenSilently');
    expect(initial.ok).toBe(true);

    const second = await context.newPage();
    await openHarness(second, app, config);
    expect(await clientCall(second, 'isAuthenticated')).toEqual({ ok: true, value: true });
    expect(await clientCall(second, 'getTokenSilently')).toEqual(initial);
    expect(tokenRequests(mock, 'refresh_token')).toHaveLength(0);

    // Both tabs find the access token expired and ask for a new one at the same moment.
    await advanceClocks(context.clock, mock, TTL + 1);
    const [a, b] = await Promise.all([clientCall<string>(page, 'getTokenSilently'), clientCall<string>(second, 'getTokenSilently')]);
    expect(a.ok && b.ok).toBe(true);
    expect(a).not.toEqual(initial);
    expect(b).toEqual(a);

    expect(tokenRequests(mock, 'refresh_token')).toHaveLength(1);
    expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
    expect(mock.control.families()).toHaveLength(1);
    expect(mock.control.families()[0]).toMatchObject({ status: 'active', rotations: 1 });

    // Both tabs keep working with the shared successor.
    await advanceClocks(context.clock, mock, TTL + 1);
    const c = await clientCall<string>(second, 'getTokenSilently');
    const d = await clientCall<string>(page, 'getTokenSilently');
    expect(c.ok).toBe(true);
    expect(d).toEqual(c);
    expect(tokenRequests(mock, 'refresh_token')).toHaveLength(2);
    expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
    await second.close();
  });
}

test('many concurrent getTokenSilently calls in one tab share one exchange', async ({ page, app, mock }) => {
  await page.clock.install();
  await openHarness(page, app, { domain: mock.url, audience: 'https://api.rotor.test' });
  await loginWithRedirect(page, app);
  await advanceClocks(page.clock, mock, TTL + 1);
  const results = await page.evaluate(async () => {
    const client = (window as unknown as { e2e: { client: { getTokenSilently(): Promise<string> } } }).e2e.client;
    return Promise.all(Array.from({ length: 20 }, () => client.getTokenSilently()));
  });
  expect(new Set(results).size).toBe(1);
  expect(tokenRequests(mock, 'refresh_token')).toHaveLength(1);
  expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
});
