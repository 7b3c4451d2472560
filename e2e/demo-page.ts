// Helpers for the demo specs (e2e/demo*.spec.ts): log in through the demo's own UI, watch the console.
import type { ConsoleMessage, Page } from '@playwright/test';
import { expect } from './fixtures.js';

/** Log in; the login form appears unless the server still has a session for this browser (then straight back). */
export async function logInThroughForm(page: Page): Promise<void> {
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

/**
 * Console errors and failed requests of a page. The only failures the story itself causes are the
 * token endpoint's rejections (a revoked family's refresh: 403 invalid_grant; a stolen DPoP-bound
 * token without proof: 400/401); everything else counts, 404s included.
 */
export function watchConsole(page: Page): { problems: string[] } {
  const problems: string[] = [];
  const expected = (url: string, status: number) => new URL(url).pathname === '/oauth/token' && (status === 400 || status === 401 || status === 403);
  page.on('response', (r) => {
    if (r.status() >= 400 && !expected(r.url(), r.status())) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() !== 'error') return;
    const loc = m.location().url;
    if (/Failed to load resource: the server responded with a status of (400|401|403)/.test(m.text()) && loc && new URL(loc).pathname === '/oauth/token') return;
    problems.push(`console: ${m.text()} (${loc})`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return { problems };
}
