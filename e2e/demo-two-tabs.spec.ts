import { logInThroughForm, watchConsole } from './demo-page.js';
import { expect, test } from './fixtures.js';

// Two demo tabs of one browser on localStorage: each follows what the other did through the SDK's
// session events (client.on), with no reload and no polling.

test('two demo tabs: login, refresh, invalid_grant and logout in tab 1 are reflected in tab 2', async ({ context, app, mock }) => {
  const url = `${app.url}/demo/?as=${encodeURIComponent(mock.url)}&cache=localstorage`;
  const tab1 = await context.newPage();
  const tab2 = await context.newPage();
  const watched = [watchConsole(tab1), watchConsole(tab2)];
  for (const p of [tab1, tab2]) {
    await p.goto(url);
    await expect(p.locator('body[data-ready="true"]')).toBeAttached();
    await expect(p.getByTestId('auth-status')).toHaveText('signed out');
  }

  // Tab 1 logs in: tab 2 hears signedIn and shows the session (and marks the shared family as this browser's).
  await logInThroughForm(tab1);
  await expect(tab2.getByTestId('auth-status')).toHaveText('signed in');
  await expect(tab2.getByTestId('sdk-events')).toContainText('signedIn');
  await expect(tab2.getByTestId('families').locator('[data-own="true"]')).toContainText('this browser');
  await expect(tab2.getByTestId('force-refresh')).toBeEnabled();

  // Tab 1 refreshes: tab 2 hears tokenRefreshed.
  await tab1.getByTestId('force-refresh').click();
  await expect(tab2.getByTestId('sdk-events')).toContainText('tokenRefreshed  https://api.rotor.test');

  // The attacker replays in tab 2's family view; tab 1's next refresh gets invalid_grant; tab 2 learns it.
  await tab2.getByTestId('families').locator('[data-own="true"]').getByTestId('replay').click();
  await expect(tab1.getByTestId('families').locator('[data-status="revoked"]')).toHaveCount(1); // over tab 1's SSE stream
  await tab1.getByTestId('force-refresh').click();
  await expect(tab1.getByTestId('sdk-events')).toContainText('signedOut  reason: invalid_grant');
  await expect(tab2.getByTestId('auth-status')).toHaveText('signed out');
  await expect(tab2.getByTestId('sdk-events')).toContainText('signedOut  reason: other_tab');
  await expect(tab2.getByTestId('notice')).toContainText('Another tab signed this session out');
  await expect(tab2.getByTestId('force-refresh')).toBeDisabled();

  // A new login in tab 1, then a logout there: tab 2 follows both.
  await logInThroughForm(tab1);
  await expect(tab2.getByTestId('auth-status')).toHaveText('signed in');
  await tab1.getByTestId('logout').click();
  await tab1.waitForURL((u) => u.origin === app.url && u.pathname === '/demo/');
  await expect(tab2.getByTestId('auth-status')).toHaveText('signed out');
  await expect(tab2.getByTestId('sdk-events').locator('li').first()).toContainText('signedOut  reason: other_tab');
  expect(watched.flatMap((w) => w.problems)).toEqual([]);
});
