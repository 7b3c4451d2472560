import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';

// Two demo tabs of one browser on localStorage: each follows what the other did through the SDK's
// session events (client.on), with no reload and no polling.

/** Log in; the login form appears unless the server still has a session for this browser (then straight back). */
async function logInThroughForm(page: Page): Promise<void> {
  await page.getByTestId('login').click();
  const form = page.locator('input[name="username"]');
  const signedIn = page.getByTestId('auth-status').getByText('signed in', { exact: true });
  await expect(form.or(signedIn)).toBeVisible();
  if (await form.isVisible()) {
    await form.fill('demo');
    await page.locator('input[name="password"]').fill('demo');
    await page.locator('form button[type="submit"], form input[type="submit"]').first().click();
  }
  await expect(page.getByTestId('auth-status')).toHaveText('signed in');
}

test('two demo tabs: login, refresh, invalid_grant and logout in tab 1 are reflected in tab 2', async ({ context, app, mock }) => {
  const errors: string[] = [];
  const url = `${app.url}/demo/?as=${encodeURIComponent(mock.url)}&cache=localstorage`;
  const tab1 = await context.newPage();
  const tab2 = await context.newPage();
  for (const p of [tab1, tab2]) {
    p.on('console', (m) => {
      if (m.type() === 'error' && !/status of 403/.test(m.text())) errors.push(m.text());
    });
    p.on('response', (r) => {
      if (r.status() === 404) errors.push(`404 ${r.url()}`);
    });
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
  expect(errors).toEqual([]);
});
