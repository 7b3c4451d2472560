// Issue 24: an app that calls loginWithRedirect on every load loops; the loop breaker stops it at the threshold.
import { expect, harnessUrl, test } from './fixtures.js';

test.use({ mockOptions: { autoLogin: 'user-1' } });

test('a redirect loop is stopped at the threshold: 3 logins, then LoginLoopError and no navigation', async ({ page, app, mock }) => {
  // The looping app: on every load, once the harness is ready, sign in again (whatever the session).
  await page.addInitScript(() => {
    const poll = setInterval(() => {
      const e2e = (window as unknown as { e2e?: { state: string; client: { loginWithRedirect(): Promise<void> } } }).e2e;
      if (e2e?.state !== 'ready') return;
      clearInterval(poll);
      e2e.client.loginWithRedirect().catch((err: { name: string; error: string }) => {
        sessionStorage.setItem('loop-result', JSON.stringify({ name: err.name, error: err.error, url: location.href }));
      });
    }, 20);
  });
  await page.goto(harnessUrl(app, { domain: mock.url, cacheLocation: 'localstorage' }));
  const read = () => page.evaluate(() => sessionStorage.getItem('loop-result')).catch(() => null); // null while navigating
  await expect.poll(read, { timeout: 20_000 }).not.toBeNull();
  const result = JSON.parse((await read())!);
  expect(result).toMatchObject({ name: 'LoginLoopError', error: 'login_loop' });
  // the page stays where it is: no further /authorize, and the callback left the address bar
  await page.waitForTimeout(500);
  expect(mock.events('authorize')).toHaveLength(3);
  expect(new URL(page.url()).search).toBe('');
});
