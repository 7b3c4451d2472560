// ITP and third-party cookies, in real Chromium: the app on http://localhost:<port>, the
// mock authorization server on http://127.0.0.1:<port> (different sites, so the silent
// iframe is a third-party context). Four cases: third-party cookies allowed / blocked ×
// silent iframe (prompt=none, web_message) / refresh-token rotation. Plus the server's ITP
// mode switched on under "allowed", which must break the iframe exactly like blocking does.
//
// The cookie mode is set explicitly both ways (Debian Chromium blocks third-party cookies by
// default, Playwright's own Chromium allows them): `profile.cookie_controls_mode` (0 = allow,
// 1 = block) in <user-data-dir>/Default/Preferences, written before a persistent launch.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import {
  chromiumLaunchOptions,
  clientCall,
  expect,
  loginWithRedirect,
  openHarness,
  serveApp,
  startMockServer,
  test,
  type RunningMockServer,
  type StaticServer,
} from './fixtures.js';

// Chromium's project only (playwright.config.ts ENGINE_ONLY): it launches Chromium itself with a profile
// preference (cookie_controls_mode). Firefox's cookie rules: e2e/firefox-cookies.spec.ts; WebKit's ITP: e2e/webkit/itp.webkit.ts.

type CookieMode = 'allowed' | 'blocked';

interface Browser3p {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** A fresh persistent profile whose third-party-cookie setting is written before launch. */
async function launchChromium(mode: CookieMode): Promise<Browser3p> {
  const dir = await mkdtemp(join(tmpdir(), `rotor-itp-${mode}-`));
  await mkdir(join(dir, 'Default'), { recursive: true });
  const prefs = { profile: { cookie_controls_mode: mode === 'allowed' ? 0 : 1 } };
  await writeFile(join(dir, 'Default', 'Preferences'), JSON.stringify(prefs));
  const context = await chromium.launchPersistentContext(dir, { ...chromiumLaunchOptions(), headless: true });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface Setup {
  browser: Browser3p;
  mock: RunningMockServer;
  app: StaticServer;
  page: Page;
}

/** Browser and servers with the harness page open; `login`: first sign in by a redirect login (a first-party session cookie on 127.0.0.1). */
async function withApp(
  mode: CookieMode,
  options: Record<string, unknown>,
  login: boolean,
  run: (s: Setup) => Promise<void>,
): Promise<void> {
  const mock = await startMockServer();
  const app = await serveApp();
  const browser = await launchChromium(mode);
  try {
    expect(new URL(app.url).hostname).toBe('localhost');
    expect(new URL(mock.url).hostname).toBe('127.0.0.1');
    const { page } = browser;
    await openHarness(page, app, { domain: mock.url, options });
    if (login) {
      await loginWithRedirect(page, app);
      expect(await page.evaluate(() => (window as unknown as { e2e: { callback?: { ok: boolean } } }).e2e.callback?.ok)).toBe(true);
      expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });
    }
    await run({ browser, mock, app, page });
  } finally {
    await browser.close();
    await app.close();
    await mock.close();
  }
}

const signedIn = (mode: CookieMode, options: Record<string, unknown>, run: (s: Setup) => Promise<void>) =>
  withApp(mode, options, true, run);

type PopupOutcome = { ok: true } | { ok: false; name: string; error?: string };

/** A button whose click handler (a user gesture, as popup blockers require) calls loginWithPopup; returns the popup page. */
async function clickPopupLogin(page: Page): Promise<Page> {
  await page.evaluate(() => {
    const w = window as unknown as {
      e2e: { client: { loginWithPopup(): Promise<void> } };
      popupOutcome?: Promise<PopupOutcome>;
    };
    const button = document.createElement('button');
    button.id = 'popup-login';
    button.textContent = 'Log in with a popup';
    button.onclick = () => {
      w.popupOutcome = w.e2e.client.loginWithPopup().then(
        (): PopupOutcome => ({ ok: true }),
        (e: { constructor: { name: string }; error?: string }): PopupOutcome => ({ ok: false, name: e.constructor.name, error: e.error }),
      );
    };
    document.body.append(button);
  });
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#popup-login')]);
  return popup;
}

const popupOutcome = (page: Page) =>
  page.evaluate(() => (window as unknown as { popupOutcome?: Promise<PopupOutcome> }).popupOutcome);

const tokenRequests = (mock: RunningMockServer, grant: string) =>
  mock.events('token_request').filter((e) => e.grant_type === grant);

/** prompt=none authorize requests the server saw (top-level login excluded). */
const silentAuthorizeCount = (mock: RunningMockServer) =>
  mock.events('authorize').filter((e) => e.detail?.prompt === 'none').length;

for (const mode of ['allowed', 'blocked'] as const) {
  test.describe(`third-party cookies ${mode}`, () => {
    test(`silent iframe (prompt=none, web_message) ${mode === 'allowed' ? 'gets a token' : 'fails with login_required'}`, async () => {
      await signedIn(mode, { useRefreshTokens: false }, async ({ mock, page }) => {
        const before = tokenRequests(mock, 'authorization_code').length;
        // createAuthClient's checkSession already ran the iframe on each page load: count from here
        const silentBefore = silentAuthorizeCount(mock);
        const result = await clientCall<string>(page, 'getTokenSilently', { cacheMode: 'off' });
        if (mode === 'allowed') {
          expect(result.ok).toBe(true);
          expect(typeof (result as { value: unknown }).value).toBe('string');
          // the iframe's code was exchanged: one more authorization_code grant, no refresh grant
          expect(tokenRequests(mock, 'authorization_code')).toHaveLength(before + 1);
          expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });
        } else {
          // the browser did not send the session cookie to the cross-site iframe
          expect(result).toMatchObject({ ok: false, error: 'login_required', name: 'AuthenticationError' });
          expect(tokenRequests(mock, 'authorization_code')).toHaveLength(before);
          // login_required leaves a clean cache
          expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: false });
        }
        expect(tokenRequests(mock, 'refresh_token')).toHaveLength(0);
        expect(silentAuthorizeCount(mock)).toBe(silentBefore + 1);
        // no iframe is left behind either way
        expect(await page.locator('iframe').count()).toBe(0);
      });
    });

    test('refresh-token rotation keeps the user signed in', async () => {
      await signedIn(mode, {}, async ({ mock, page }) => {
        for (let i = 0; i < 3; i++) {
          const result = await clientCall<string>(page, 'getTokenSilently', { cacheMode: 'off' });
          expect(result.ok).toBe(true);
        }
        expect(tokenRequests(mock, 'refresh_token').filter((e) => e.status === 200)).toHaveLength(3);
        expect(mock.events('refresh_token.rotated')).toHaveLength(3);
        expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
        expect(silentAuthorizeCount(mock)).toBe(0);
        expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });
      });
    });
  });
}

test.describe('mock server ITP mode, third-party cookies allowed', () => {
  test('the silent iframe fails with login_required while refresh tokens keep working', async () => {
    // iframe client
    await signedIn('allowed', { useRefreshTokens: false }, async ({ mock, page }) => {
      // the same browser and session got a token through the iframe at the callback page load
      // (checkSession); with ITP on, the server ignores the cookie the iframe still sends
      expect(mock.control.setItp(true)).toBe(true);
      const silentBefore = silentAuthorizeCount(mock);
      const result = await clientCall(page, 'getTokenSilently', { cacheMode: 'off' });
      expect(result).toMatchObject({ ok: false, error: 'login_required' });
      expect(silentAuthorizeCount(mock)).toBe(silentBefore + 1);
      expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: false });
    });
    // refresh-token client
    await signedIn('allowed', {}, async ({ mock, page }) => {
      expect(mock.control.setItp(true)).toBe(true);
      const result = await clientCall(page, 'getTokenSilently', { cacheMode: 'off' });
      expect(result.ok).toBe(true);
      expect(mock.events('refresh_token.rotated')).toHaveLength(1);
      expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });
    });
  });
});

// The popup is a first-party window of the authorization server: blocking third-party cookies
// does not touch it, so it is the interactive way back when the iframe fails.
test.describe('popup login with third-party cookies blocked', () => {
  test('signs in through the login form in the popup, which closes itself', async () => {
    await withApp('blocked', {}, false, async ({ mock, page }) => {
      expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: false });
      const popup = await clickPopupLogin(page);
      await popup.waitForURL((u) => u.origin === mock.url && u.pathname.startsWith('/u/login'));
      await popup.locator('input[name="username"]').fill('demo');
      await popup.locator('input[name="password"]').fill('demo');
      await Promise.all([popup.waitForEvent('close'), popup.locator('button[type="submit"], input[type="submit"]').first().click()]);
      expect(await popupOutcome(page)).toEqual({ ok: true });
      expect(await clientCall(page, 'getUser')).toMatchObject({ ok: true, value: { sub: 'user-1' } });
      // a refresh token came with it: silent renewal without any iframe
      expect((await clientCall(page, 'getTokenSilently', { cacheMode: 'off' })).ok).toBe(true);
      expect(mock.events('refresh_token.rotated')).toHaveLength(1);
    });
  });

  test('after the iframe fails with login_required, the popup restores the session without the form', async () => {
    await signedIn('blocked', { useRefreshTokens: false }, async ({ mock, page }) => {
      expect(await clientCall(page, 'getTokenSilently', { cacheMode: 'off' })).toMatchObject({ ok: false, error: 'login_required' });
      expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: false });
      const logins = mock.events('login').length;
      const popup = await clickPopupLogin(page);
      // With a live session the popup answers and closes within milliseconds, possibly before a
      // 'close' listener could be attached here: wait for the SDK's outcome, then check the popup.
      expect(await popupOutcome(page)).toEqual({ ok: true });
      await expect.poll(() => popup.isClosed()).toBe(true);
      expect(mock.events('login')).toHaveLength(logins); // the existing first-party session answered
      expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });
    });
  });

  test('closing the popup rejects with PopupCancelledError', async () => {
    await withApp('blocked', {}, false, async ({ page }) => {
      const popup = await clickPopupLogin(page);
      await popup.waitForURL((u) => u.pathname.startsWith('/u/login'));
      await popup.close();
      await expect.poll(() => popupOutcome(page)).toEqual({ ok: false, name: 'PopupCancelledError', error: 'cancelled' });
      expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: false });
    });
  });
});
