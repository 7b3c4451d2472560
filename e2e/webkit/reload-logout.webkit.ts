// Scenario 6 in WebKit: a reload keeps the session (IndexedDB and localStorage); logout in one
// tab signs the other tab out (signedOut other_tab).
import { clientCall, expect, loginWithRedirect, openHarness, openSecondTab, test, waitForHarness } from './fixtures.js';
import { harnessUrl } from '../fixtures.js';

test.use({ mockOptions: { autoLogin: 'user-1' } });

for (const cacheLocation of ['indexeddb', 'localstorage'] as const) {
  test(`${cacheLocation}: a reload keeps the session; logout in one tab signs the other out`, async ({ driver, app, mock }) => {
    const config = { domain: mock.url, cacheLocation };
    await openHarness(driver, app, config);
    await loginWithRedirect(driver, app);
    await driver.navigate().refresh();
    await waitForHarness(driver);
    expect(await clientCall(driver, 'isAuthenticated')).toEqual({ ok: true, value: true });
    expect((await clientCall(driver, 'getTokenSilently', { cacheMode: 'off' })).ok).toBe(true);
    expect(mock.events('refresh_token.rotated')).toHaveLength(1);

    const [tab1, tab2] = await openSecondTab(driver);
    await driver.get(harnessUrl(app, config));
    await waitForHarness(driver);
    expect(await clientCall(driver, 'isAuthenticated')).toEqual({ ok: true, value: true });
    await driver.executeScript('window.__seen = []; window.e2e.client.on("signedOut", function (e) { window.__seen.push(e.reason); });');

    await driver.switchTo().window(tab1);
    expect(await clientCall(driver, 'logout', { openUrl: false })).toEqual({ ok: true, value: null });
    await driver.switchTo().window(tab2);
    await driver.wait(async () => ((await driver.executeScript<string[]>('return window.__seen')) ?? []).includes('other_tab'), 10_000, 'tab 2 got no signedOut other_tab');
    expect(await clientCall(driver, 'isAuthenticated')).toEqual({ ok: true, value: false });
    expect(mock.control.families().filter((f) => f.status === 'active')).toHaveLength(0);
  });
}
