// Issue 24: the refresh-token family's absolute lifetime (refresh_token_expires_in) in real Chromium.
import { advanceClocks, clientCall, expect, loginWithRedirect, openHarness, test, tokenRequests } from './fixtures.js';

const ABSOLUTE = 3600; // the family's absolute lifetime at the server, seconds
const LEAD = 300;

test.use({ mockOptions: { accessTokenTtl: 600, absoluteTtl: ABSOLUTE, autoLogin: 'user-1' } });

test('the family\'s absolute lifetime: sessionExpiring ahead, then login_required with no request sent', async ({ page, app, mock }) => {
  await page.clock.install();
  await openHarness(page, app, { domain: mock.url, cacheLocation: 'localstorage', options: { sessionExpiringLeadInSeconds: LEAD } });
  await loginWithRedirect(page, app);
  await page.evaluate(() => {
    const w = window as unknown as { seen: unknown[]; e2e: { client: { on(t: string, f: (e: unknown) => void): void } } };
    w.seen = [];
    w.e2e.client.on('sessionExpiring', (e) => w.seen.push(e));
    w.e2e.client.on('signedOut', (e) => w.seen.push(e));
  });
  const expiry = await clientCall<{ absoluteExpiresAt?: number }>(page, 'getSessionExpiry');
  expect(expiry.ok && expiry.value.absoluteExpiresAt).toBeGreaterThan(0);
  const end = expiry.ok ? expiry.value.absoluteExpiresAt! : 0;

  // Inside the lead window: warned once, nothing sent.
  await advanceClocks(page.clock, mock, ABSOLUTE - LEAD + 5);
  await expect.poll(() => page.evaluate(() => (window as unknown as { seen: unknown[] }).seen)).toEqual([{ type: 'sessionExpiring', expiresAt: end, reason: 'absolute' }]);

  // Past the end (wall clock only, no timer run): the first call fails at once, without a request.
  mock.control.advanceClock(LEAD);
  await page.clock.setSystemTime(end + 1000);
  const refreshesBefore = tokenRequests(mock, 'refresh_token').length;
  const r = await clientCall(page, 'getTokenSilently');
  expect(r).toMatchObject({ ok: false, error: 'login_required', name: 'SessionExpiredError' });
  expect(tokenRequests(mock, 'refresh_token')).toHaveLength(refreshesBefore);
  expect(refreshesBefore).toBe(0);
  expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: false });
  expect(await page.evaluate(() => (window as unknown as { seen: unknown[] }).seen)).toEqual([
    { type: 'sessionExpiring', expiresAt: end, reason: 'absolute' },
    { type: 'signedOut', reason: 'login_required' },
  ]);
});
