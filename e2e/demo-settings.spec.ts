import type { Page } from '@playwright/test';
import { logInThroughForm, watchConsole } from './demo-page.js';
import { expect, test } from './fixtures.js';

// The demo's settings (?as, ?cache, ?dpop) live in the URL only: `as` must be a loopback origin
// (issue 23 item 8: a link could send the demo's login to any server, and it stuck for the tab), no
// setting is stored from a link, and the settings travel in the URLs the demo builds (the login's
// redirect_uri, the logout's returnTo, the "open a second tab" link). Also: the busy state while a
// request is in flight.

const DEFAULT_AS = 'http://127.0.0.1:4000';

/** Stands in for whatever may listen on the default port of this shared machine: the default AS is only answered here. */
async function fakeDefaultAs(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.route(`${DEFAULT_AS}/**`, (route) => {
    seen.push(route.request().url());
    return route.fulfill({ status: 503, contentType: 'text/plain', body: 'the default authorization server (stand-in)' });
  });
  return seen;
}

test('?as= accepts loopback origins only; any other value is ignored with a notice and never contacted', async ({ page, app }) => {
  test.setTimeout(120_000); // 17 demo page loads: 20–50 s in Firefox on two cores
  await fakeDefaultAs(page);
  const errors: string[] = [];
  // Firefox reports the demo's EventSource to the faked, unreachable default server as a page error
  // ("Firefox can’t establish a connection to the server at …/__control/events/stream"); Chromium keeps it
  // in the network log. It is the browser's connection report, not a script error: not counted.
  page.on('pageerror', (e) => {
    if (!/can.t establish a connection to the server at .*\/__control\/events\/stream/.test(e.message)) errors.push(e.message);
  });
  const hosts = new Set<string>();
  page.on('request', (r) => hosts.add(new URL(r.url()).host));
  const refused = [
    'https://evil.example',
    'http://evil.example:4000',
    'HTTP://EVIL.EXAMPLE',
    'http://127.0.0.1.evil.example:4000',
    'http://localhost@evil.example',
    'http://evil.example#@127.0.0.1:4000',
    'http://127.0.0.2:4000',
    'http://127.0.0.1:4000/elsewhere',
    'file:///etc/passwd',
    'javascript:alert(1)',
    '//evil.example',
    'not a url',
  ];
  // Up to the DOM only (what the page shows is checked): Firefox's `load` of a demo page whose server is
  // unreachable waits seconds for its refused requests, and 17 of them took the test past its timeout.
  for (const as of refused) {
    await page.goto(`${app.url}/demo/?as=${encodeURIComponent(as)}`, { waitUntil: 'domcontentloaded' });
    await expect(page.locator('body[data-ready="true"]')).toBeAttached();
    await expect(page.locator('#as-url'), as).toHaveText(DEFAULT_AS);
    await expect(page.getByTestId('notice'), as).toContainText(`Ignored ?as=${as}`);
    await expect(page.getByTestId('notice')).toContainText('loopback origin');
  }
  // the login goes to the default server, not the link's
  const login = page.waitForRequest((r) => r.isNavigationRequest() && r.url().startsWith(`${DEFAULT_AS}/authorize?`));
  await page.getByTestId('login').click();
  await login;
  expect([...hosts].filter((h) => !/^(localhost|127\.0\.0\.1)(:\d+)?$/.test(h))).toEqual([]);
  expect(errors).toEqual([]);

  const accepted: Array<[string, string]> = [
    ['http://localhost:4123', 'http://localhost:4123'],
    ['http://127.0.0.1:9', 'http://127.0.0.1:9'],
    ['http://[::1]:4000', 'http://[::1]:4000'],
    ['https://localhost:8443/', 'https://localhost:8443'],
    ['http://127.0.0.1:4000', DEFAULT_AS],
  ];
  for (const [as, shown] of accepted) {
    await page.goto(`${app.url}/demo/?as=${encodeURIComponent(as)}`, { waitUntil: 'domcontentloaded' });
    await expect(page.locator('#as-url'), as).toHaveText(shown);
    await expect(page.getByTestId('notice'), as).toBeHidden();
  }
});

test('?as= from a link is not persisted: the next visit without it uses the default server; nothing is stored', async ({ page, app, mock }) => {
  const seen = await fakeDefaultAs(page);
  await page.goto(`${app.url}/demo/?as=${encodeURIComponent(mock.url)}&cache=localstorage`);
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  await expect(page.locator('#as-url')).toHaveText(mock.url);
  const port = new URL(mock.url).port;
  const stored = await page.evaluate(() => JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)]));
  expect(stored).not.toContain(port);
  expect(stored).not.toContain('rotor-demo');

  // the same tab, the demo's address without a query: the default again (the link's value did not stick)
  await page.goto(`${app.url}/demo/`);
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  await expect(page.locator('#as-url')).toHaveText(DEFAULT_AS);
  await expect(page.getByTestId('cache-location')).toHaveValue('memory');
  expect(seen.length).toBeGreaterThan(0); // it talks to the default server, not the link's
});

test('the settings travel with the login redirect and the "open a second tab" link; the second tab shares the session', async ({ page, context, app, mock }) => {
  const { problems } = watchConsole(page);
  await page.goto(`${app.url}/demo/?as=${encodeURIComponent(mock.url)}`);
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  await expect(page.getByTestId('second-tab')).toHaveAttribute('href', `${app.url}/demo/?as=${encodeURIComponent(mock.url)}`);
  await page.getByTestId('cache-location').selectOption('localstorage');
  await page.waitForURL(/cache=localstorage/);
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();

  await logInThroughForm(page);
  // back from the authorization server: the same settings, the code and state gone from the address
  const back = new URL(page.url());
  expect(back.searchParams.get('as')).toBe(mock.url);
  expect(back.searchParams.get('cache')).toBe('localstorage');
  expect(back.searchParams.has('code')).toBe(false);
  expect(back.searchParams.has('state')).toBe(false);
  await expect(page.getByTestId('cache-location')).toHaveValue('localstorage');
  expect(mock.events('token_request').filter((e) => e.grant_type === 'authorization_code')).toHaveLength(1);

  const link = page.getByTestId('second-tab');
  await expect(link).toHaveText('Open a second tab');
  await expect(link).toHaveAttribute('target', '_blank');
  await expect(page.locator('#second-tab-note')).toContainText('shares this session');
  const [tab2] = await Promise.all([context.waitForEvent('page'), link.click()]);
  const tab2Problems = watchConsole(tab2).problems;
  await expect(tab2.locator('body[data-ready="true"]')).toBeAttached();
  await expect(tab2.getByTestId('cache-location')).toHaveValue('localstorage');
  await expect(tab2.locator('#as-url')).toHaveText(mock.url);
  await expect(tab2.getByTestId('auth-status')).toHaveText('signed in');

  // tab 1 logs out: feedback there, and the second tab follows
  await page.getByTestId('logout').click();
  await page.waitForURL((u) => u.pathname === '/demo/' && !u.search.includes('loggedout'));
  await expect(page.getByTestId('notice')).toContainText('You are logged out');
  await expect(page.getByTestId('cache-location')).toHaveValue('localstorage');
  await expect(tab2.getByTestId('auth-status')).toHaveText('signed out');
  await expect(tab2.getByTestId('notice')).toHaveAttribute('data-kind', 'revoked');
  expect([...problems, ...tab2Problems]).toEqual([]);
});

test('a request in flight shows the busy state: what runs, on the button that started it; gone when it ends', async ({ page, app, mock }) => {
  const { problems } = watchConsole(page);
  await page.goto(`${app.url}/demo/?as=${encodeURIComponent(mock.url)}`);
  await logInThroughForm(page);
  const busy = page.getByTestId('busy');
  await expect(busy).toBeHidden();
  // A slow token endpoint: the refresh is held until the busy state has been checked (a fixed server
  // delay can end before a loaded machine gets through the checks).
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  await page.route(`${mock.url}/oauth/token`, async (route) => {
    await released;
    await route.continue();
  });
  await page.getByTestId('force-refresh').click();
  await expect(busy).toBeVisible();
  await expect(busy).toContainText('Refreshing');
  await expect(page.locator('body')).toHaveAttribute('aria-busy', 'true');
  await expect(page.getByTestId('force-refresh')).toHaveClass(/in-flight/);
  await expect(page.getByTestId('logout')).toBeDisabled();
  release();
  await expect(busy).toBeHidden({ timeout: 15_000 });
  await expect(page.locator('body')).not.toHaveAttribute('aria-busy', 'true');
  await expect(page.getByTestId('force-refresh')).not.toHaveClass(/in-flight/);
  await expect(page.getByTestId('families').locator('[data-own="true"]')).toContainText('1 rotation');
  expect(problems).toEqual([]);
});
