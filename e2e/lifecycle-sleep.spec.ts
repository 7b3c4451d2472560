// Issue 24: a night of sleep (the wall clock jumps 8 h, performance.now() and the timers do not) with
// each persistent cache, with and without autoRefresh, and with two tabs waking together.
// lifecycle-wake.spec.ts has the one-tab localStorage + autoRefresh case; this file has the rest.
// Every case counts the refresh requests and reuse detections the mock server saw.
import type { Page } from '@playwright/test';
import { clientCall, expect, loginWithRedirect, openHarness, test, tokenRequests, type CacheLocation, type RunningMockServer } from './fixtures.js';

const TTL = 600;
const NIGHT = 8 * 3600;
test.use({ mockOptions: { accessTokenTtl: TTL, autoLogin: 'user-1' } });

/** The night: the server's clock and the browser's wall clock jump; no timer runs. */
async function sleep(page: Page, mock: RunningMockServer): Promise<void> {
  mock.control.advanceClock(NIGHT);
  await page.clock.setSystemTime((await page.evaluate(() => Date.now())) + NIGHT * 1000);
}

/** The access token cached before the night (cache-only: never a request). */
async function cachedToken(page: Page): Promise<string | null> {
  const r = await clientCall<string | null>(page, 'getTokenSilently', { cacheMode: 'cache-only' });
  expect(r.ok).toBe(true);
  return r.ok ? r.value : null;
}

for (const cacheLocation of ['indexeddb', 'localstorage'] as CacheLocation[]) {
  if (cacheLocation === 'indexeddb') {
    test(`a night of sleep with indexeddb and autoRefresh: the wake-up refreshes once, the first call after it is a cache hit, no reuse`, async ({ page, app, mock }) => {
      await page.clock.install();
      await openHarness(page, app, { domain: mock.url, cacheLocation, options: { autoRefresh: true } });
      await loginWithRedirect(page, app);
      const before = await cachedToken(page);
      expect(before).toBeTruthy();
      expect(tokenRequests(mock, 'refresh_token')).toHaveLength(0);

      await sleep(page, mock);
      expect(tokenRequests(mock, 'refresh_token')).toHaveLength(0);
      await page.clock.runFor(31_000); // the next 30 s check sees the jump and wakes the client
      await expect.poll(() => tokenRequests(mock, 'refresh_token').length).toBe(1);
      // the wake-up's refresh is stored: the first call is a cache hit with the new token
      await expect.poll(() => cachedToken(page)).not.toBe(before);

      const first = await clientCall<string>(page, 'getTokenSilently');
      expect(first).toEqual({ ok: true, value: await cachedToken(page) });
      expect(tokenRequests(mock, 'refresh_token')).toHaveLength(1);
      expect(tokenRequests(mock, 'refresh_token')[0]?.status).toBe(200);
      expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
      expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });
    });
  }

  test(`a night of sleep with ${cacheLocation}, no autoRefresh: the wake-up sends nothing, the first call after it refreshes exactly once, no reuse`, async ({ page, app, mock }) => {
    await page.clock.install();
    await openHarness(page, app, { domain: mock.url, cacheLocation });
    await loginWithRedirect(page, app);
    const before = await cachedToken(page);
    expect(before).toBeTruthy();

    await sleep(page, mock);
    await page.clock.runFor(31_000); // the wake-up: re-reads storage, sends no request without autoRefresh
    await page.waitForTimeout(300);
    expect(tokenRequests(mock, 'refresh_token')).toHaveLength(0);
    expect(await cachedToken(page)).toBeNull(); // expired meanwhile

    const first = await clientCall<string>(page, 'getTokenSilently');
    expect(first.ok).toBe(true);
    expect(first.ok && first.value).not.toBe(before);
    expect(tokenRequests(mock, 'refresh_token')).toHaveLength(1);
    expect(tokenRequests(mock, 'refresh_token')[0]?.status).toBe(200);
    const second = await clientCall<string>(page, 'getTokenSilently');
    expect(second).toEqual(first); // a cache hit
    expect(tokenRequests(mock, 'refresh_token')).toHaveLength(1);
    expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
    expect(mock.events('family.revoked')).toHaveLength(0);
  });

  test(`two tabs on ${cacheLocation} with autoRefresh wake from the same night: one refresh between them, both then cache hits, no reuse`, async ({ context, app, mock }) => {
    await context.clock.install();
    const one = await context.newPage();
    await openHarness(one, app, { domain: mock.url, cacheLocation, options: { autoRefresh: true } });
    await loginWithRedirect(one, app);
    const two = await context.newPage();
    await openHarness(two, app, { domain: mock.url, cacheLocation, options: { autoRefresh: true } });
    expect(await clientCall(two, 'isAuthenticated')).toEqual({ ok: true, value: true });
    const before = await cachedToken(two);
    expect(before).toBeTruthy();

    await sleep(one, mock);
    await context.clock.runFor(31_000); // both tabs' 30 s checks see the jump and wake
    await expect.poll(() => tokenRequests(mock, 'refresh_token').length).toBe(1);
    await expect.poll(() => cachedToken(one)).not.toBe(before);
    await expect.poll(() => cachedToken(two)).not.toBe(before);

    const a = await clientCall<string>(one, 'getTokenSilently');
    const b = await clientCall<string>(two, 'getTokenSilently');
    expect(a.ok && b.ok).toBe(true);
    expect(b).toEqual(a);
    await one.waitForTimeout(300);
    expect(tokenRequests(mock, 'refresh_token')).toHaveLength(1);
    expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
    expect(await clientCall(one, 'isAuthenticated')).toEqual({ ok: true, value: true });
    expect(await clientCall(two, 'isAuthenticated')).toEqual({ ok: true, value: true });
  });
}
