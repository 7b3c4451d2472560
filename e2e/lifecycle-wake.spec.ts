// Issue 24: waking up. A night of sleep (the wall clock jumps, the monotonic clock does not), and a
// refresh that failed offline, retried once when the browser is back online.
import { clientCall, expect, loginWithRedirect, openHarness, test, tokenRequests } from './fixtures.js';

const TTL = 600;
test.use({ mockOptions: { accessTokenTtl: TTL, autoLogin: 'user-1' } });

test('a night of sleep with localStorage and autoRefresh: the wake-up refreshes once, the first call after it is a cache hit, no reuse', async ({ page, app, mock }) => {
  await page.clock.install();
  await openHarness(page, app, { domain: mock.url, cacheLocation: 'localstorage', options: { autoRefresh: true } });
  await loginWithRedirect(page, app);
  expect((await clientCall<string>(page, 'getTokenSilently')).ok).toBe(true);
  expect(tokenRequests(mock, 'refresh_token')).toHaveLength(0);

  // 8 hours of sleep: Date jumps, performance.now() and the timers do not move.
  const night = 8 * 3600;
  mock.control.advanceClock(night);
  await page.clock.setSystemTime((await page.evaluate(() => Date.now())) + night * 1000);
  expect(tokenRequests(mock, 'refresh_token')).toHaveLength(0);
  // the next 30 s check sees the jump and wakes the client
  await page.clock.runFor(31_000);
  await expect.poll(() => tokenRequests(mock, 'refresh_token').length).toBe(1);

  const first = await clientCall<string>(page, 'getTokenSilently');
  expect(first.ok).toBe(true);
  expect(tokenRequests(mock, 'refresh_token')).toHaveLength(1);
  expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
  expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });
});

test.describe('offline', () => {
test.use({ mockOptions: { accessTokenTtl: 3, autoLogin: 'user-1' } });
test('offline at expiry, then online: the failed refresh runs once more when `online` fires; the session is kept', async ({ page, app, mock, context }) => {
  await openHarness(page, app, { domain: mock.url, cacheLocation: 'localstorage', options: { leeway: 1, httpTimeoutInSeconds: 2 } });
  await loginWithRedirect(page, app);
  await page.waitForTimeout(3_500); // the access token expired

  await context.setOffline(true);
  const offline = await clientCall(page, 'getTokenSilently');
  expect(offline).toMatchObject({ ok: false, error: 'network_error' });
  expect(tokenRequests(mock, 'refresh_token')).toHaveLength(0);

  await context.setOffline(false);
  await expect.poll(() => tokenRequests(mock, 'refresh_token').length).toBe(1);
  const next = await clientCall<string>(page, 'getTokenSilently');
  expect(next.ok).toBe(true);
  expect(tokenRequests(mock, 'refresh_token')).toHaveLength(1);
  expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
  expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });
});
});
