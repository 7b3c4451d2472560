// Scenario 4 in WebKit: two tabs of one session (shared storage, Web Locks, BroadcastChannel)
// ask for a token at the same instant after the access token expired: exactly one token
// request per expiry and no reuse detection, on localStorage and on IndexedDB.
import type { WebDriver } from 'selenium-webdriver';
import { clientCall, expect, loginWithRedirect, openHarness, openSecondTab, test, waitForHarness } from './fixtures.js';
import { harnessUrl, tokenRequests } from '../fixtures.js';

const TTL = 3; // seconds; leeway 0, so a token is expired TTL seconds after it was issued
const ROUNDS = 2;
test.use({ mockOptions: { accessTokenTtl: TTL, autoLogin: 'user-1' } });

/** Schedules getTokenSilently in the current tab at wall-clock `at` (ms), as background call `id`. */
const scheduleAt = (driver: WebDriver, id: string, at: number) =>
  driver.executeScript('var id = arguments[0]; setTimeout(function () { window.e2e.start(id, "getTokenSilently", []); }, arguments[1] - Date.now());', id, at);
const settled = (driver: WebDriver, id: string) => driver.executeScript<{ ok: boolean; value?: string }>('return window.e2e.settled(arguments[0])', id);

for (const cacheLocation of ['localstorage', 'indexeddb'] as const) {
  test(`two tabs after expiry (${cacheLocation}): one token request, no reuse detection`, async ({ driver, app, mock }) => {
    const config = { domain: mock.url, cacheLocation, audience: 'https://api.rotor.test', options: { leeway: 0 } };
    await openHarness(driver, app, config);
    await loginWithRedirect(driver, app);
    const initial = await clientCall<string>(driver, 'getTokenSilently');
    expect(initial.ok).toBe(true);
    const [tab1, tab2] = await openSecondTab(driver);
    await driver.get(harnessUrl(app, config));
    await waitForHarness(driver);
    expect(await clientCall(driver, 'getTokenSilently')).toEqual(initial);
    expect(tokenRequests(mock, 'refresh_token')).toHaveLength(0);

    let previous = initial;
    for (let round = 1; round <= ROUNDS; round++) {
      const at = Date.now() + (TTL + 1) * 1000;
      await driver.switchTo().window(tab1);
      await scheduleAt(driver, `r${round}`, at);
      await driver.switchTo().window(tab2);
      await scheduleAt(driver, `r${round}`, at);
      await new Promise((r) => setTimeout(r, at - Date.now() + 200));
      const b = await settled(driver, `r${round}`);
      await driver.switchTo().window(tab1);
      const a = await settled(driver, `r${round}`);
      expect(a, `round ${round}, first tab`).toMatchObject({ ok: true });
      expect(b, `round ${round}, second tab`).toEqual(a);
      expect(a).not.toEqual(previous);
      expect(tokenRequests(mock, 'refresh_token'), `round ${round}`).toHaveLength(round);
      expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
      previous = a as typeof previous;
    }
    expect(mock.control.families()).toHaveLength(1);
    expect(mock.control.families()[0]).toMatchObject({ status: 'active', rotations: ROUNDS });
  });
}
