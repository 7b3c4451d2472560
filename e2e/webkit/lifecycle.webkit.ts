// Issue 24's wake-up, offline and horizon cases in WebKit (MiniBrowser over WebDriver, localStorage).
// WebDriver has no page clock, no offline switch and no hidden tabs: times are short real waits, the
// server goes away behind the HTTPS front door (fixtures.ts), and what the browser would tell the page
// (`navigator.onLine`, `online`, `visibilitychange`) is dispatched in it, as the Chromium specs'
// emulations do.
import type { WebDriver } from 'selenium-webdriver';
import { tokenRequests } from '../fixtures.js';
import { clientCall, expect, loginWithRedirect, openHarness, startFrontedMockServer, test as base, type FrontedMockServer } from './fixtures.js';

const test = base.extend<{ fronted: FrontedMockServer }>({
  fronted: async ({ mockOptions }, use) => {
    const mock = await startFrontedMockServer(mockOptions);
    await use(mock);
    await mock.close();
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const refreshes = (mock: FrontedMockServer) => tokenRequests(mock, 'refresh_token').length;

/** Records the client's session events in window.__seen (after the login: its redirect loads a new document). */
async function record(driver: WebDriver): Promise<void> {
  await driver.executeScript(`
    window.__seen = [];
    for (const t of ['sessionExpiring', 'signedOut']) window.e2e.client.on(t, (e) => window.__seen.push(e));`);
}
const seen = (driver: WebDriver) => driver.executeScript<Array<{ type: string; reason?: string; expiresAt?: number }>>('return window.__seen');

/** What a browser tells a page about its visibility (WebDriver's window is always shown). */
const setVisibility = (driver: WebDriver, state: 'hidden' | 'visible') =>
  driver.executeScript(`
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => arguments[0] });
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));`, state);

test.describe('wake-up', () => {
  test.use({ mockOptions: { accessTokenTtl: 4, autoLogin: 'user-1' } });

  test('hidden past the access token\'s expiry with autoRefresh, then shown: one refresh at the wake-up, the next call a cache hit, no reuse', async ({ driver, app, fronted: mock }) => {
    await openHarness(driver, app, { domain: mock.url, cacheLocation: 'localstorage', options: { autoRefresh: true, leeway: 1 } });
    await loginWithRedirect(driver, app);
    await setVisibility(driver, 'hidden');
    await sleep(5_000); // the access token expired; a hidden tab does not lead, nothing refreshes
    expect(refreshes(mock), 'nothing refreshed while hidden').toBe(0);
    await setVisibility(driver, 'visible');
    await expect.poll(() => refreshes(mock), { message: 'the wake-up refreshed', timeout: 4_000 }).toBe(1);
    expect(await clientCall<string>(driver, 'getTokenSilently')).toMatchObject({ ok: true });
    expect(refreshes(mock), 'the first call after the wake-up is a cache hit').toBe(1);
    expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
  });
});

test.describe('offline', () => {
  test.use({ mockOptions: { accessTokenTtl: 3, autoLogin: 'user-1' } });

  test('offline at expiry, then online: the failed refresh runs once more when `online` fires; the session is kept', async ({ driver, app, fronted: mock }) => {
    await openHarness(driver, app, { domain: mock.url, cacheLocation: 'localstorage', options: { leeway: 1, httpTimeoutInSeconds: 2 } });
    await loginWithRedirect(driver, app);
    await sleep(3_500); // the access token expired
    mock.front.offline = true;
    await driver.executeScript(`Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => false });`);
    const offline = await clientCall(driver, 'getTokenSilently');
    expect(offline).toMatchObject({ ok: false });
    expect(['network_error', 'timeout']).toContain((offline as { error?: string }).error);
    expect(refreshes(mock), 'nothing reached the server').toBe(0);

    mock.front.offline = false;
    await driver.executeScript(`Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => true }); window.dispatchEvent(new Event('online'));`);
    await expect.poll(() => refreshes(mock), { message: 'retried once when online fired', timeout: 8_000 }).toBe(1);
    expect(await clientCall<string>(driver, 'getTokenSilently')).toMatchObject({ ok: true });
    expect(refreshes(mock)).toBe(1);
    expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
    expect(await clientCall(driver, 'isAuthenticated')).toEqual({ ok: true, value: true });
  });
});

test.describe('horizon', () => {
  const ABSOLUTE = 14;
  test.use({ mockOptions: { accessTokenTtl: 600, absoluteTtl: ABSOLUTE, autoLogin: 'user-1' } });

  test('the family\'s absolute lifetime: sessionExpiring ahead, then signed out (login_required) with no request sent', async ({ driver, app, fronted: mock }) => {
    await openHarness(driver, app, { domain: mock.url, cacheLocation: 'localstorage', options: { sessionExpiringLeadInSeconds: 8 } });
    await loginWithRedirect(driver, app);
    await record(driver);
    const expiry = await clientCall<{ absoluteExpiresAt?: number }>(driver, 'getSessionExpiry');
    const end = expiry.ok ? expiry.value.absoluteExpiresAt : undefined;
    expect(end).toBeGreaterThan(Date.now());
    await expect.poll(() => seen(driver), { message: 'warned ahead of the end', timeout: 10_000 }).toEqual([{ type: 'sessionExpiring', expiresAt: end, reason: 'absolute' }]);
    await expect.poll(async () => (await seen(driver)).at(-1), { message: 'signed out at the end', timeout: 15_000 }).toEqual({ type: 'signedOut', reason: 'login_required' });
    // The family is gone (purged at its end, before this call): a sign-in-again error, nothing sent.
    const r = await clientCall(driver, 'getTokenSilently');
    expect(r).toMatchObject({ ok: false });
    expect(['login_required', 'missing_refresh_token']).toContain((r as { error?: string }).error);
    expect(refreshes(mock), 'no refresh sent past the horizon').toBe(0);
    expect(await clientCall(driver, 'isAuthenticated')).toEqual({ ok: true, value: false });
  });
});
