// Scenario 2 in WebKit: with Intelligent Tracking Prevention on (MiniBrowser --enable-itp), the
// silent iframe (prompt=none, web_message) to the authorization server on another site gets no
// session cookie and fails with login_required; the page can tell why (a frame of that site has
// no storage access); refresh-token rotation keeps the session. ITP off is the control: the
// same iframe gets a token (WebKitGTK's default cookie policy still sends them, unlike Safari).
import type { WebDriver } from 'selenium-webdriver';
import { By } from 'selenium-webdriver';
import { clientCall, expect, loginWithRedirect, openHarness, test } from './fixtures.js';
import type { RunningMockServer } from '../fixtures.js';

const silentAuthorizeCount = (mock: RunningMockServer) => mock.events('authorize').filter((e) => e.detail?.prompt === 'none').length;

/** document.hasStorageAccess() inside a frame of the authorization server's site, as a page would probe it. */
async function thirdPartyStorageAccess(driver: WebDriver, mockUrl: string): Promise<boolean> {
  await driver.executeScript(
    'var f = document.createElement("iframe"); f.id = "probe"; f.src = arguments[0]; document.body.append(f); return new Promise(function (r) { f.onload = r; });',
    `${mockUrl}/.well-known/openid-configuration`,
  );
  await driver.switchTo().frame(await driver.findElement(By.id('probe')));
  try {
    return await driver.executeScript<boolean>('return document.hasStorageAccess()');
  } finally {
    await driver.switchTo().defaultContent();
    await driver.executeScript('document.getElementById("probe").remove()');
  }
}

test.describe('ITP on', () => {
  test.use({ itp: true });

  test('the silent iframe fails with login_required, the page can tell why, and rotation keeps the session', async ({ driver, app, mock }) => {
    await openHarness(driver, app, { domain: mock.url, cacheLocation: 'localstorage', options: { useRefreshTokensFallback: true } });
    await loginWithRedirect(driver, app);
    expect(await thirdPartyStorageAccess(driver, mock.url)).toBe(false);

    // The iframe alone (a client without refresh tokens, same session cookie at the server).
    await openHarness(driver, app, { domain: mock.url, options: { useRefreshTokens: false } });
    const before = silentAuthorizeCount(mock);
    const iframe = await clientCall(driver, 'getTokenSilently', { cacheMode: 'off' });
    expect(iframe).toMatchObject({ ok: false, error: 'login_required', name: 'AuthenticationError' });
    expect(silentAuthorizeCount(mock)).toBe(before + 1);

    // The refresh-token client of the same tab is still signed in, and keeps rotating.
    await openHarness(driver, app, { domain: mock.url, cacheLocation: 'localstorage' });
    expect(await clientCall(driver, 'isAuthenticated')).toEqual({ ok: true, value: true });
    for (let i = 0; i < 2; i++) expect((await clientCall(driver, 'getTokenSilently', { cacheMode: 'off' })).ok).toBe(true);
    expect(mock.events('refresh_token.rotated')).toHaveLength(2);
    expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
  });
});

test.describe('ITP off (control)', () => {
  test('the same silent iframe gets a token: the failure above is ITP, not the setup', async ({ driver, app, mock }) => {
    await openHarness(driver, app, { domain: mock.url, options: { useRefreshTokens: false } });
    await loginWithRedirect(driver, app);
    const iframe = await clientCall<string>(driver, 'getTokenSilently', { cacheMode: 'off' });
    expect(iframe).toMatchObject({ ok: true, value: expect.any(String) });
  });
});
