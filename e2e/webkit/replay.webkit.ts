// Scenario 3 in WebKit: an attacker replays an already-rotated refresh token; the server revokes
// the family, and the tab's next refresh signs it out (signedOut with reason invalid_grant).
import { clientCall, expect, loginWithRedirect, openHarness, test } from './fixtures.js';

test.use({ mockOptions: { autoLogin: 'user-1' } });

test('an attacker replay revokes the family; the tab signs out (signedOut, invalid_grant)', async ({ driver, app, mock }) => {
  await openHarness(driver, app, { domain: mock.url, cacheLocation: 'indexeddb' });
  await loginWithRedirect(driver, app);
  await driver.executeScript('window.__seen = []; window.e2e.client.on("signedOut", function (e) { window.__seen.push(e.reason); });');
  expect((await clientCall(driver, 'getTokenSilently', { cacheMode: 'off' })).ok).toBe(true);
  const [family] = mock.control.families();
  const stolen = family?.tokens.find((t) => t.state === 'rotated')?.value;
  expect(stolen).toBeTruthy();

  // The attacker, outside the browser (the server's handler, no socket).
  const res = await mock.server.fetch(
    new Request(`${mock.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'demo', refresh_token: stolen as string }),
    }),
  );
  expect(res.status).toBe(403);
  expect(mock.control.family(family?.id as string)).toMatchObject({ status: 'revoked', reason: 'reuse_detected' });

  const after = await clientCall(driver, 'getTokenSilently', { cacheMode: 'off' });
  expect(after).toMatchObject({ ok: false, error: 'invalid_grant' });
  expect(await driver.executeScript('return window.__seen')).toEqual(['invalid_grant']);
  expect(await clientCall(driver, 'isAuthenticated')).toEqual({ ok: true, value: false });
  await driver.navigate().refresh();
  expect(await clientCall(driver, 'isAuthenticated')).toEqual({ ok: true, value: false });
});
