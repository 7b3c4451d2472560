// The demo's "Why not the silent iframe?" box in both cookie modes of real Chromium: the page probes
// third-party cookies (a frame from the other site asks document.hasStorageAccess()) and explains the
// iframe's answer: blocked cookies vs the server's ITP mode. The cookie mode is written into a fresh
// profile before launch (`profile.cookie_controls_mode`: 0 allow, 1 block), as in itp.spec.ts.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { logInThroughForm } from './demo-page.js';
import { chromiumLaunchOptions, expect, serveApp, startMockServer, test } from './fixtures.js';

// Chromium's project only (playwright.config.ts ENGINE_ONLY): it launches Chromium itself with a profile
// preference (cookie_controls_mode). Firefox's cookie rules: e2e/firefox-cookies.spec.ts; WebKit's ITP: e2e/webkit/itp.webkit.ts.

async function withProfile(mode: 'allowed' | 'blocked', run: (page: Page, as: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `rotor-demo-${mode}-`));
  await mkdir(join(dir, 'Default'), { recursive: true });
  await writeFile(join(dir, 'Default', 'Preferences'), JSON.stringify({ profile: { cookie_controls_mode: mode === 'allowed' ? 0 : 1 } }));
  const context = await chromium.launchPersistentContext(dir, { ...chromiumLaunchOptions(), headless: true });
  const [mock, app] = await Promise.all([startMockServer(), serveApp()]);
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${app.url}/demo/?as=${encodeURIComponent(mock.url)}`);
    await expect(page.locator('body[data-ready="true"]')).toBeAttached();
    await logInThroughForm(page);
    await page.locator('#itp-box summary').click();
    await run(page, mock.url);
  } finally {
    await context.close();
    await Promise.all([mock.close(), app.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

test('third-party cookies allowed: the iframe works until the server\'s ITP mode is switched on, and the page says which', async () => {
  await withProfile('allowed', async (page) => {
    await expect(page.getByTestId('cookie-mode')).toHaveAttribute('data-blocked', 'false');
    await expect(page.getByTestId('cookie-mode')).toContainText('allows third-party cookies');
    await page.getByTestId('iframe-token').click();
    await expect(page.getByTestId('iframe-result')).toContainText('iframe: got an access token');
    await page.getByTestId('itp').check();
    await page.getByTestId('iframe-token').click();
    await expect(page.getByTestId('iframe-result')).toContainText("iframe: login_required — the server's ITP mode ignored the session cookie");
  });
});

test('third-party cookies blocked: the iframe fails with ITP off too, and the page blames the browser, not the ITP switch', async () => {
  await withProfile('blocked', async (page) => {
    await expect(page.getByTestId('cookie-mode')).toHaveAttribute('data-blocked', 'true');
    await page.getByTestId('iframe-token').click();
    await expect(page.getByTestId('iframe-result')).toContainText('iframe: login_required — this browser blocks third-party cookies');
    await expect(page.getByTestId('iframe-result')).toContainText('switching ITP mode changes nothing here');
  });
});
