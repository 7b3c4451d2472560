// Firefox's cookie rules and the silent iframe, in real Firefox (Debian's firefox-esr over BiDi):
// the app on http://localhost, the authorization server on https://127.0.0.1 (another site; HTTPS
// because Firefox drops `SameSite=None` cookies without `Secure`, and the session cookie is
// `SameSite=None; Secure`). Each case launches its own Firefox with the prefs that define it:
//  - cookieBehavior 0 (all cookies): the control, the iframe gets a token;
//  - cookieBehavior 5 (Total Cookie Protection, Firefox's default) with no user interaction on
//    the authorization server (autoLogin): the iframe fails with login_required;
//  - cookieBehavior 1 (reject third-party cookies), even after a trusted click on the login form:
//    login_required;
// and in every case refresh-token rotation keeps the session.
import { firefox, type Browser } from '@playwright/test';
import { selfSignedCertificate } from '../src/mock-server/tls.js';
import { clientCall, expect, firefoxLaunchOptions, loginWithRedirect, openHarness, serveApp, startMockServer, test } from './fixtures.js';

// Firefox's project only (playwright.config.ts ENGINE_ONLY). Chromium: itp.spec.ts, WebKit: e2e/webkit/itp.webkit.ts.

const CASES = [
  { name: 'cookieBehavior 0 (all cookies allowed: the control)', prefs: { 'network.cookie.cookieBehavior': 0 }, form: false, iframe: 'token' },
  { name: 'Total Cookie Protection (cookieBehavior 5), no interaction with the authorization server', prefs: { 'network.cookie.cookieBehavior': 5 }, form: false, iframe: 'login_required' },
  { name: 'cookieBehavior 1 (third-party cookies rejected), after a click on the login form', prefs: { 'network.cookie.cookieBehavior': 1 }, form: true, iframe: 'login_required' },
] as const;

for (const c of CASES) {
  test(`${c.name}: the silent iframe ${c.iframe === 'token' ? 'gets a token' : 'fails with login_required'}; rotation keeps the session`, async () => {
    const mock = await startMockServer(c.form ? {} : { autoLogin: 'user-1' }, { tls: selfSignedCertificate('127.0.0.1') });
    const app = await serveApp();
    let browser: Browser | undefined;
    try {
      browser = await firefox.launch(firefoxLaunchOptions(c.prefs));
      const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
      await openHarness(page, app, { domain: mock.url, options: { useRefreshTokens: false } });
      await loginWithRedirect(page, app);
      const iframe = await clientCall<string>(page, 'getTokenSilently', { cacheMode: 'off' });
      if (c.iframe === 'token') expect(iframe).toMatchObject({ ok: true, value: expect.any(String) });
      else expect(iframe).toMatchObject({ ok: false, error: 'login_required', name: 'AuthenticationError' });

      await openHarness(page, app, { domain: mock.url, cacheLocation: 'localstorage' });
      await loginWithRedirect(page, app);
      for (let i = 0; i < 2; i++) expect((await clientCall(page, 'getTokenSilently', { cacheMode: 'off' })).ok).toBe(true);
      expect(mock.events('refresh_token.rotated')).toHaveLength(2);
      expect(mock.events('refresh_token.reuse_detected')).toHaveLength(0);
      expect(await clientCall(page, 'isAuthenticated')).toEqual({ ok: true, value: true });
    } finally {
      await browser?.close();
      await Promise.all([mock.close(), app.close()]);
    }
  });
}
