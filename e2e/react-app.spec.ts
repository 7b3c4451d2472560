// The README's React app (examples/react: main.tsx, Profile.tsx, index.html, vite.config.ts) served
// by Vite's dev server with its own config, as `npm run example:react` serves it, against the mock
// server: sign in through the login form → the user → "Call API" (the fetcher, /api/private checks
// aud) → a logout in a second tab signs the first out without a reload; and a protected route whose
// logins never complete (every code exchange fails: the classic loop) is stopped by the SDK's loop
// breaker after 3 trips to /authorize, with LoginLoopError's message on the page.
//
// One change to the files as written: the mock server listens on a free port of 127.0.0.1 (4000
// may be taken on a shared machine), so a Vite plugin replaces the snippets' address
// `http://127.0.0.1:4000` with the server's while serving examples/react (nothing else is touched;
// the README blocks equal the files byte for byte, test/readme/readme-blocks.test.ts). The browser
// talks to the real server, no request interception (Firefox over BiDi cannot route.fetch POSTs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
import { expect, ROOT, startMockServer, test as base, type RunningMockServer } from './fixtures.js';

const EXAMPLE = resolve(ROOT, 'examples/react');
const README_AS = 'http://127.0.0.1:4000';

/** The mock server's address in place of the README's, in the example's own modules only. */
function mockAddress(url: string): Plugin {
  return {
    name: 'rotor-e2e-mock-address',
    enforce: 'pre',
    transform(code, id) {
      if (!id.startsWith(`${EXAMPLE}/`) || !code.includes(README_AS)) return undefined;
      return { code: code.replaceAll(README_AS, url), map: null };
    },
  };
}

interface ExampleApp {
  url: string;
  mock: RunningMockServer;
}

let cacheDir: string;
base.beforeAll(() => {
  // one pre-bundle directory per worker: the chromium and firefox workers may start Vite at once
  cacheDir = mkdtempSync(join(tmpdir(), 'rotor-react-vite-'));
});
base.afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

// `mockOptions` (test.use) as in e2e/fixtures.ts; the example's Vite server is made for its mock server
const test = base.extend<{ example: ExampleApp }>({
  example: async ({ mockOptions }, use) => {
    const mock = await startMockServer(mockOptions);
    let vite: ViteDevServer | undefined;
    try {
      vite = await createServer({
        configFile: join(EXAMPLE, 'vite.config.ts'),
        cacheDir,
        logLevel: 'warn',
        clearScreen: false,
        plugins: [mockAddress(mock.url)],
        // a free port on localhost (another site than the mock server's 127.0.0.1, as in the README)
        server: { port: 0, strictPort: false, hmr: false },
        // everything pre-bundled before the first page: no mid-test reload for a late discovery
        optimizeDeps: { include: ['react', 'react/jsx-dev-runtime', 'react-dom/client', 'jose', 'idb-keyval'] },
      });
      await vite.listen();
      const address = vite.httpServer!.address();
      if (!address || typeof address === 'string') throw new Error('Vite is not listening');
      await use({ url: `http://localhost:${address.port}`, mock });
    } finally {
      await vite?.close();
      await mock.close();
    }
  },
});

/** Uncaught errors of a page, collected (and printed, so a failure shows them). */
function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => {
    errors.push(String(err));
    console.error(`page error: ${String(err)}`);
  });
  return errors;
}

/** The page's top-level navigation requests to /authorize (a 302 straight back commits no document there). */
function authorizeNavigations(page: Page, mock: RunningMockServer): string[] {
  const urls: string[] = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame() && request.url().startsWith(`${mock.url}/authorize?`)) urls.push(request.url());
  });
  return urls;
}

/** Every URL the page's main frame arrived at, in order. */
function visited(page: Page): string[] {
  const urls: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) urls.push(frame.url());
  });
  return urls;
}

test('the README React app: log in at the mock → the user → Call API (the fetcher) → a logout in a second tab signs this tab out, no reload', async ({ context, page, example }) => {
  const { url, mock } = example;
  const errors = pageErrors(page);
  const urls = visited(page);

  await page.goto(`${url}/`);
  await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible();
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${mock.url}/**`);
  await page.fill('#username', 'demo');
  await page.fill('#password', 'demo');
  await page.click('button[type=submit]');

  await expect(page.getByText('Hello Demo User')).toBeVisible();
  expect(page.url(), 'back on the page that started the login, the code and state gone').toBe(`${url}/`);
  expect(urls.some((u) => u.startsWith(`${url}/?code=`)), urls.join('\n')).toBe(true);

  // the fetcher: the token for https://api.rotor.test, sent to the API's origin
  const apiCall = page.waitForRequest(`${mock.url}/api/private`);
  await page.getByRole('button', { name: 'Call API' }).click();
  await expect(page.locator('output')).toHaveText('200: Hello user-1, this came from the protected API.');
  expect((await apiCall).headers().authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);

  // a second tab of the same browser shares the session (localStorage), and logs out
  const second = await context.newPage();
  const secondErrors = pageErrors(second);
  await second.goto(`${url}/`);
  await expect(second.getByText('Hello Demo User')).toBeVisible();
  const navigationsBefore = urls.length;
  await second.getByRole('button', { name: 'Log out' }).click();
  await expect(second.getByRole('button', { name: 'Log in' })).toBeVisible();
  expect(second.url()).toBe(`${url}/`);

  // the first tab follows from the session events: signed out, same document
  await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible();
  await expect(page.getByText('Hello Demo User')).toBeHidden();
  expect(urls.slice(navigationsBefore), 'the first tab did not navigate').toEqual([]);
  expect(mock.control.families()).toEqual([expect.objectContaining({ status: 'revoked' })]);
  expect(errors).toEqual([]);
  expect(secondErrors).toEqual([]);
  await second.close();
});

test.describe('a login that never completes', () => {
  // every authorize signs user-1 straight back in (no form), and every code exchange fails
  test.use({ mockOptions: { autoLogin: 'user-1' } });

  test('the protected route loops login → callback fails → login …; the SDK stops it at 3 and the page shows LoginLoopError', async ({ page, example }) => {
    const { url, mock } = example;
    mock.control.faults({ failNext: { status: 500, count: 100 } });
    const errors = pageErrors(page);
    const urls = visited(page);
    const authorizes = authorizeNavigations(page, mock);

    await page.goto(`${url}/orders`);
    await expect(page.getByRole('alert').filter({ hasText: 'Cannot sign in' })).toHaveText('Cannot sign in: Login loop: not navigating', { timeout: 30_000 });

    // stopped: no further trip to the authorization server, the callback parameters gone
    await page.waitForTimeout(1_000);
    expect(authorizes, urls.join('\n')).toHaveLength(3);
    expect(urls.filter((u) => u.startsWith(`${url}/orders?code=`)), 'three callbacks, each one failed').toHaveLength(3);
    expect(mock.events('authorize')).toHaveLength(3);
    expect(mock.events('token_request').filter((e) => e.grant_type === 'authorization_code')).toHaveLength(3);
    expect(page.url()).toBe(`${url}/orders`);
    // the failed sign-in is on the page too, with the Log in button
    await expect(page.getByRole('alert').filter({ hasText: 'Sign-in did not complete' })).toBeVisible();

    // the Log in button is refused the same way (within the window), and says why
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Cannot sign in' })).toHaveCount(2);
    await page.waitForTimeout(500);
    expect(authorizes).toHaveLength(3);
    expect(mock.events('authorize')).toHaveLength(3);
    expect(page.url()).toBe(`${url}/orders`);
    expect(errors).toEqual([]);
  });
});
