import { logInThroughForm, watchConsole } from './demo-page.js';
import { expect, test, tokenRequests } from './fixtures.js';

// The demo app (demo/index.html + app.js) loads dist/rotor-auth.min.js by script tag and is served on
// localhost; the mock server runs on 127.0.0.1. Everything here is driven through the page's own UI.

test('the demo tells the story: log in, rotation chain, attacker replay → revoked → signed out; buttons follow the state', async ({ page, app, mock }) => {
  const { problems } = watchConsole(page);
  const status = page.getByTestId('auth-status');
  const families = page.getByTestId('families');
  const sdk = page.getByTestId('sdk-events');
  await page.goto(`${app.url}/demo/?as=${encodeURIComponent(mock.url)}`);
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  await expect(status).toHaveText('signed out');
  await expect(page.locator('#as-url')).toHaveText(mock.url);
  // Signed out: only Log in (and the server's buttons) can be used.
  await expect(page.getByTestId('login')).toBeEnabled();
  for (const id of ['get-token', 'call-api', 'force-refresh', 'logout']) await expect(page.getByTestId(id)).toBeDisabled();

  await logInThroughForm(page);
  await expect(page.getByTestId('user')).toContainText('"sub": "user-1"');
  await expect(page.getByTestId('error')).toBeHidden();
  await expect(page.getByTestId('login')).toBeDisabled();
  for (const id of ['get-token', 'call-api', 'force-refresh', 'logout']) await expect(page.getByTestId(id)).toBeEnabled();
  await expect(sdk).toContainText('signedIn');
  await expect(page.getByTestId('story').locator('[data-step="signin"]')).toHaveClass(/done/);
  // This tab's family is marked; before a rotation there is nothing retired to replay.
  const own = families.locator('[data-own="true"]');
  await expect(own).toHaveCount(1);
  await expect(own).toContainText('this tab');
  await expect(own.getByTestId('replay')).toBeDisabled();

  await page.getByTestId('get-token').click();
  await expect(page.getByTestId('token')).toContainText('aud: https://api.rotor.test');
  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api')).toContainText('"status": 200');

  // Two forced refreshes: the chain shows two retired links and one current.
  await page.getByTestId('force-refresh').click();
  await expect(own).toContainText('1 rotation');
  await page.getByTestId('force-refresh').click();
  await expect(own).toContainText('2 rotations');
  await expect(own.locator('.token-rotated')).toHaveCount(2);
  await expect(own.locator('.token-current')).toHaveCount(1);
  expect(tokenRequests(mock, 'refresh_token')).toHaveLength(2);
  await expect(sdk).toContainText('tokenRefreshed  https://api.rotor.test');
  await expect(page.getByTestId('events')).toContainText('refresh_token.rotated');
  await expect(page.getByTestId('story').locator('[data-step="rotate"]')).toHaveClass(/done/);

  // The attacker replays a retired token: the whole family is revoked; the badge says why, once.
  await own.getByTestId('replay').click();
  await expect(own).toHaveAttribute('data-status', 'revoked');
  await expect(own.locator('.badge')).toHaveText('revoked · reuse detected');
  await expect(page.getByTestId('events')).toContainText('refresh_token.reuse_detected');
  await expect(page.getByTestId('story').locator('[data-step="revoked"]')).toHaveClass(/done/);
  expect(mock.control.families()[0]).toMatchObject({ status: 'revoked', reason: 'reuse_detected' });
  await expect(own.getByTestId('replay')).toHaveCount(0); // a revoked family has nothing left to replay

  // The legitimate tab's next refresh is rejected; the SDK signs it out (signedOut invalid_grant). That is
  // the outcome the replay meant: told as such (its own colour), not as a red error box.
  await page.getByTestId('force-refresh').click();
  await expect(status).toHaveText('signed out');
  await expect(page.getByTestId('notice')).toHaveAttribute('data-kind', 'revoked');
  await expect(page.getByTestId('notice')).toContainText('Signed out, as the story intended');
  await expect(page.getByTestId('notice')).toContainText('invalid_grant');
  await expect(page.getByTestId('error')).toBeHidden();
  await expect(page.getByTestId('token')).toHaveText('—');
  await expect(sdk).toContainText('signedOut  reason: invalid_grant');
  await expect(page.getByTestId('story').locator('[data-step="signedout"]')).toHaveClass(/done/);
  await expect(page.getByTestId('login')).toBeEnabled();
  await expect(page.getByTestId('force-refresh')).toBeDisabled();

  // The server's event log came over one SSE connection; the page never polled the control API.
  const polls = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => /\/__control\/events(\?|$)/.test(e.name)).length);
  expect(polls).toBe(0);
  expect(problems).toEqual([]);
});

test('the demo: after a reload in memory mode the old family is no longer this tab’s; Reset server clears everything', async ({ page, app, mock }) => {
  const { problems } = watchConsole(page);
  const families = page.getByTestId('families');
  await page.goto(`${app.url}/demo/?as=${encodeURIComponent(mock.url)}`);
  await logInThroughForm(page);
  await page.getByTestId('force-refresh').click();
  await expect(families.locator('[data-own="true"]')).toContainText('1 rotation');

  await page.reload();
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  await expect(page.getByTestId('auth-status')).toHaveText('signed out');
  const old = families.locator('[data-status="active"]');
  await expect(old).toHaveAttribute('data-own', 'false');
  await expect(old).toHaveClass(/other/);
  await expect(old.locator('.tag-own')).toHaveCount(0);
  await expect(families.getByTestId('replay')).toHaveCount(0);
  await expect(families.getByTestId('steal')).toHaveCount(0);

  // Log in again: a second family, this one marked; the old one stays dimmed.
  await logInThroughForm(page);
  await expect(families.locator('.family')).toHaveCount(2);
  await expect(families.locator('[data-own="true"]')).toHaveCount(1);
  await expect(families.locator('.family.other')).toHaveCount(1);

  await page.getByTestId('reset').click();
  await expect(families).toContainText('no families yet');
  await expect(page.getByTestId('auth-status')).toHaveText('signed out');
  await expect(page.getByTestId('notice')).toContainText('Server reset');
  expect(mock.control.families()).toEqual([]);
  expect(problems).toEqual([]);
});

test('the demo: localstorage survives a reload; logout revokes the family', async ({ page, app, mock }) => {
  const { problems } = watchConsole(page);
  const status = page.getByTestId('auth-status');
  await page.goto(`${app.url}/demo/?as=${encodeURIComponent(mock.url)}`);
  await expect(status).toHaveText('signed out');

  // Choosing a cache location reloads the page with it in the URL.
  await page.getByTestId('cache-location').selectOption('localstorage');
  await page.waitForURL(/cache=localstorage/);
  await expect(page.getByTestId('cache-location')).toHaveValue('localstorage');

  await logInThroughForm(page);
  await expect(page.getByTestId('cache-location')).toHaveValue('localstorage'); // kept across the redirect

  await page.reload();
  await expect(status).toHaveText('signed in');
  // Still this browser's family after the reload: the shared storage holds its refresh token.
  await expect(page.getByTestId('families').locator('[data-own="true"]')).toContainText('this browser');
  await page.getByTestId('call-api').click();
  await expect(page.getByTestId('api')).toContainText('"status": 200');

  await page.getByTestId('logout').click();
  await page.waitForURL((u) => u.origin === app.url && u.pathname === '/demo/' && !u.search.includes('loggedout'));
  await expect(status).toHaveText('signed out');
  // logout feedback: good news in green, and the settings kept in the URL (no error box)
  await expect(page.getByTestId('notice')).toHaveAttribute('data-kind', 'good');
  await expect(page.getByTestId('notice')).toContainText('You are logged out');
  await expect(page.getByTestId('error')).toBeHidden();
  await expect(page.getByTestId('cache-location')).toHaveValue('localstorage');
  expect(mock.control.families()[0]).toMatchObject({ status: 'revoked', reason: 'revoked' });
  await expect(page.getByTestId('families').locator('.badge')).toHaveText('revoked · logged out');
  expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('@@rotor@@')))).toEqual([]);
  expect(problems).toEqual([]);
});

test('the demo: "Steal the refresh token" without DPoP: the thief redeems it, then reuse detection revokes the family and signs this tab out', async ({ page, app, mock }) => {
  const { problems } = watchConsole(page);
  await page.goto(`${app.url}/demo/?as=${encodeURIComponent(mock.url)}&dpop=0`);
  await logInThroughForm(page);
  await page.getByTestId('families').locator('[data-own="true"]').getByTestId('steal').click();
  await expect(page.getByTestId('events')).toContainText('thief got fresh tokens (HTTP 200)');
  await expect(page.getByTestId('auth-status')).toHaveText('signed out');
  await expect(page.getByTestId('sdk-events')).toContainText('signedOut  reason: invalid_grant');
  expect(mock.control.families()[0]).toMatchObject({ status: 'revoked', reason: 'reuse_detected' });
  // the theft's explanation stays (not overwritten by the generic invalid_grant notice), in the theft's colour
  const notice = page.getByTestId('notice');
  await expect(notice).toHaveAttribute('data-kind', 'theft');
  await expect(notice).toContainText('The thief redeemed the stolen refresh token');
  await expect(notice).toContainText('reuse detection revoked the family for both of you');
  await expect(page.getByTestId('error')).toBeHidden();
  expect(await notice.evaluate((el) => getComputedStyle(el).borderLeftColor)).toBe('rgb(192, 57, 43)');
  expect(problems).toEqual([]);
});

test('the demo: the DPoP checkbox reloads with useDpop, and says so when this build does not know the option', async ({ page, app, mock }) => {
  const { problems } = watchConsole(page);
  await page.goto(`${app.url}/demo/?as=${encodeURIComponent(mock.url)}`);
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  await page.getByTestId('dpop').click(); // reloads the page with dpop=1
  await page.waitForURL(/dpop=1/);
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  const known = await page.evaluate(async (as) => {
    try {
      const c = new (window as unknown as { rotorAuth: { AuthClient: new (o: unknown) => { close(): void } } }).rotorAuth.AuthClient({ domain: as, clientId: 'demo', useDpop: true });
      c.close();
      return true;
    } catch {
      return false;
    }
  }, mock.url);
  if (known) {
    await expect(page.getByTestId('dpop')).toBeChecked();
    await expect(page.getByTestId('dpop-note')).toBeHidden();
    // Stolen DPoP-bound refresh token, presented without a proof: rejected, and the session goes on.
    await logInThroughForm(page);
    await page.getByTestId('families').locator('[data-own="true"]').getByTestId('steal').click();
    await expect(page.getByTestId('notice')).toContainText('Your session continues');
    await expect(page.getByTestId('notice')).toHaveAttribute('data-kind', 'good');
    // dpop.rejected in the server's log is the defence working: green, not bold red
    const rejected = page.getByTestId('events').locator('.event-dpop-rejected').first();
    await expect(rejected).toBeVisible();
    expect(await rejected.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).fontWeight])).toEqual(['rgb(31, 138, 76)', '400']);
    await expect(page.getByTestId('auth-status')).toHaveText('signed in');
    expect(mock.control.families()[0]).toMatchObject({ status: 'active' });
  } else {
    await expect(page.getByTestId('dpop')).toBeDisabled();
    await expect(page.getByTestId('dpop')).not.toBeChecked();
    await expect(page.getByTestId('dpop-note')).toContainText('does not know useDpop');
    await logInThroughForm(page); // the demo still works without it
  }
  expect(problems).toEqual([]);
});
