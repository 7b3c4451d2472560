import { expect, test, tokenRequests } from './fixtures.js';

// The demo app (demo/index.html + app.js) loads dist/rotor-auth.min.js by script tag and is served on
// localhost; the mock server runs on 127.0.0.1. Everything here is driven through the page's own UI.
test('the demo: log in, token, API, rotation, attacker replay → family revoked → signed out, ITP switch', async ({ page, app, mock }) => {
  const status = page.getByTestId('auth-status');
  const families = page.getByTestId('families');
  await page.goto(`${app.url}/demo/?as=${encodeURIComponent(mock.url)}`);
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  await expect(status).toHaveText('signed out');
  await expect(page.locator('#as-url')).toHaveText(mock.url);

  // Log in through the mock server's form.
  await page.getByTestId('login').click();
  await page.locator('input[name="username"]').fill('demo');
  await page.locator('input[name="password"]').fill('demo');
  await page.locator('form button[type="submit"], form input[type="submit"]').first().click();
  await expect(status).toHaveText('signed in');
  await expect(page.getByTestId('user')).toContainText('"sub": "user-1"');
  await expect(page.getByTestId('error')).toBeHidden();

  await page.getByTestId('get-token').click();
  await expect(page.getByTestId('token')).toContainText('aud: https://api.rotor.test');
  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api')).toContainText('"status": 200');

  // Force a refresh: the live view shows the rotation.
  await page.getByTestId('force-refresh').click();
  await expect(families.locator('[data-status="active"]')).toContainText('1 rotation');
  await expect(families.locator('.token-rotated')).toHaveCount(1);
  await expect(families.locator('.token-current')).toHaveCount(1);
  expect(tokenRequests(mock, 'refresh_token')).toHaveLength(1);
  await expect(page.getByTestId('events')).toContainText('refresh_token.rotated');

  // The attacker replays the retired token: the whole family is revoked.
  await page.getByTestId('replay').click();
  await expect(families.locator('[data-status="revoked"]')).toContainText('reuse_detected');
  await expect(page.getByTestId('events')).toContainText('refresh_token.reuse_detected');
  expect(mock.control.families()[0]).toMatchObject({ status: 'revoked', reason: 'reuse_detected' });

  // The legitimate tab's next refresh is rejected and the SDK signs it out.
  await page.getByTestId('force-refresh').click();
  await expect(page.getByTestId('error')).toHaveText('OAuthError — invalid_grant: Unknown or invalid refresh token.');
  await expect(status).toHaveText('signed out');
  await expect(page.getByTestId('token')).toHaveText('—');

  // The ITP switch drives the server's ITP mode; with it on, the legacy silent iframe fails.
  await expect(page.getByTestId('itp')).not.toBeChecked();
  await page.getByTestId('itp').check();
  await expect.poll(() => mock.control.itpEnabled()).toBe(true);
  await page.getByTestId('iframe-token').click();
  await expect(page.getByTestId('iframe-result')).toContainText('iframe: login_required');
  await expect(page.getByTestId('events')).toContainText('silent iframe: iframe: login_required');
  await page.getByTestId('itp').uncheck();
  await expect.poll(() => mock.control.itpEnabled()).toBe(false);
});

test('the demo: localstorage survives a reload; logout revokes the family', async ({ page, app, mock }) => {
  const status = page.getByTestId('auth-status');
  await page.goto(`${app.url}/demo/?as=${encodeURIComponent(mock.url)}`);
  await expect(status).toHaveText('signed out');

  // Choosing a cache location reloads the page with it in the URL.
  await page.getByTestId('cache-location').selectOption('localstorage');
  await page.waitForURL(/cache=localstorage/);
  await expect(page.getByTestId('cache-location')).toHaveValue('localstorage');

  await page.getByTestId('login').click();
  await page.locator('input[name="username"]').fill('demo');
  await page.locator('input[name="password"]').fill('demo');
  await page.locator('form button[type="submit"], form input[type="submit"]').first().click();
  await expect(status).toHaveText('signed in');
  await expect(page.getByTestId('cache-location')).toHaveValue('localstorage'); // kept across the redirect

  await page.reload();
  await expect(status).toHaveText('signed in');
  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api')).toContainText('"status": 200');

  await page.getByTestId('logout').click();
  await page.waitForURL((u) => u.origin === app.url && u.pathname === '/demo/');
  await expect(status).toHaveText('signed out');
  expect(mock.control.families()[0]).toMatchObject({ status: 'revoked', reason: 'revoked' });
  expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('@@rotor@@')))).toEqual([]);
});
