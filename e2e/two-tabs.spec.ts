import { advanceClocks, clientCall, expect, loginWithRedirect, openHarness, test, tokenRequests } from './fixtures.js';

const TTL = 600;
const ROUNDS = 4;
test.use({ mockOptions: { accessTokenTtl: TTL, autoLogin: 'user-1' } });

for (const cacheLocation of ['localstorage', 'indexeddb'] as const) {
  test(`two tabs refreshing at once (${cacheLocation}): one token request per expiry, no reuse detection`, async ({ context, page, app, mock }) => {
    await context.clock.install();
    const config = { domain: mock.url, cacheLocation, audience: 'https://api.rotor.test' };
    await openHarness(page, app, config);
    await loginWithRedirect(page, app);
    const initial = await clientCall<string>(page, 'getTokenSilently');
    expect(initial).toMatchObject({ ok: true });

    const second = await context.newPage();
    await openHarness(second, app, config);
    expect(await clientCall(second, 'isAuthenticated')).toEqual({ ok: true, value: true });
    expect(await clientCall(second, 'getTokenSilently')).toEqual(initial);
    expect(tokenRequests(mock, 'refresh_token')).toHaveLength(0);

    // Several expiries: each time both tabs find the access token expired and ask at the same moment.
    // (One round can pass by luck when a tab reads stale storage; several make a race show.)
    let previous = initial;
    for (let round = 1; round <= ROUNDS; round++) {
      await advanceClocks(context.clock, mock, TTL + 1);
      const [a, b] = await Promise.all([clientCall<string>(page, 'getTokenSilently'), clientCall<string>(second, 'getTokenSilently')]);
      expect(a, `round ${round}, first tab`).toMatchObject({ ok: true });
      expect(b, `round ${round}, second tab`).toMatchObject({ ok: true });
      expect(a).not.toEqual(previous);
      expect(b).toEqual(a);
      expect(tokenRequests(mock, 'refresh_token'), `round ${round}`).toHaveLength(round);
      expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
      previous = a;
    }
    expect(mock.control.families()).toHaveLength(1);
    expect(mock.control.families()[0]).toMatchObject({ status: 'active', rotations: ROUNDS });
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
