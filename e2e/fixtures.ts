// Shared e2e helpers: the browser to launch, the mock authorization server from dist/
// on 127.0.0.1:<free port>, static servers on localhost:<free port> (a different site),
// and Playwright fixtures built on them.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test as base, expect, type Page } from '@playwright/test';
import type { MockControl, MockEvent, MockServerOptions } from '../src/mock-server/types.js';
import { serveStatic, type StaticServer } from './static-server.js';

export { chromiumLaunchOptions, firefoxLaunchOptions, usesSystemChromium, usesSystemFirefox, SYSTEM_CHROMIUM, SYSTEM_CHROMIUM_ARGS, SYSTEM_FIREFOX } from './browsers.js';
export { serveStatic, type StaticServer, type StaticMounts } from './static-server.js';
export { expect };

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST_DIR = resolve(ROOT, 'dist');
export const DEMO_DIR = resolve(ROOT, 'demo');
/** The e2e harness page (e2e/app/index.html) that loads dist/rotor-auth.min.js. */
export const E2E_APP_DIR = resolve(ROOT, 'e2e/app');

interface MockServerHandle {
  fetch(request: Request): Promise<Response>;
  listen(port?: number, host?: string, opts?: { tls?: { cert: string; key: string } }): Promise<{ url: string; close(): Promise<void> }>;
  control: MockControl;
}
interface MockServerModule {
  createMockServer(options?: MockServerOptions): MockServerHandle;
}

export interface RunningMockServer {
  /** Origin of the server, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  /** The issuer the server reports: `url` + `/`. */
  issuer: string;
  /** The in-process control API (same operations as HTTP `/__control/`). */
  control: MockControl;
  /** The server itself (its `fetch` handler answers without a socket). */
  server: MockServerHandle;
  /** POST/GET `/__control/<path>` over HTTP, as the demo does; returns the parsed JSON. */
  controlHttp<T = unknown>(path: string, body?: unknown): Promise<T>;
  /** Events of one type (or all), in order. */
  events(type?: MockEvent['type']): MockEvent[];
  close(): Promise<void>;
}

async function loadMockServerModule(): Promise<MockServerModule> {
  const file = resolve(DIST_DIR, 'mock-server.mjs');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` before the e2e suite`);
  return (await import(pathToFileURL(file).href)) as MockServerModule;
}

/**
 * Starts dist/mock-server.mjs on 127.0.0.1, port 0 (a free port); over HTTPS with `listen.tls`
 * (then `controlHttp` from Node refuses the self-signed certificate: use `control`).
 */
export async function startMockServer(
  options: MockServerOptions = {},
  listen: { tls?: { cert: string; key: string } } = {},
): Promise<RunningMockServer> {
  const { createMockServer } = await loadMockServerModule();
  const server = createMockServer(options);
  const listener = await server.listen(0, '127.0.0.1', listen.tls ? { tls: listen.tls } : undefined);
  const url = listener.url.replace(/\/+$/, '');
  return {
    url,
    issuer: `${url}/`,
    control: server.control,
    server,
    async controlHttp<T>(path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${url}/__control/${path.replace(/^\/+/, '')}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`control ${path}: HTTP ${res.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    events(type?: MockEvent['type']): MockEvent[] {
      return server.control.events(type ? { type } : undefined);
    },
    close: () => listener.close(),
  };
}

/** The e2e harness and the demo on localhost (dist/ mounted at /dist/). */
export function serveApp(): Promise<StaticServer> {
  return serveStatic({ '/': E2E_APP_DIR, '/dist/': DIST_DIR, '/demo/': DEMO_DIR });
}

export type CacheLocation = 'memory' | 'localstorage' | 'indexeddb';

export interface HarnessConfig {
  domain: string;
  clientId?: string;
  cacheLocation?: CacheLocation;
  audience?: string;
  /** Extra AuthClient options (JSON-serialisable). */
  options?: Record<string, unknown>;
}

/** URL of the harness page for a config; the page keeps the config in sessionStorage across redirects. */
export function harnessUrl(app: StaticServer, config: HarnessConfig): string {
  const q = new URLSearchParams({ config: JSON.stringify(config) });
  return `${app.url}/?${q.toString()}`;
}

/** Result of `e2e.attempt(...)` in the page: errors keep their SDK fields. */
export type Attempt<T> =
  | { ok: true; value: T }
  | { ok: false; name: string; classes: string[]; error?: string; error_description?: string; message: string; status?: number; retryAfter?: number };

/** Opens the harness and waits until it has created its client (and handled a callback if present). */
export async function openHarness(page: Page, app: StaticServer, config: HarnessConfig): Promise<void> {
  await page.goto(harnessUrl(app, config));
  await waitForHarness(page);
}

export async function waitForHarness(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as { e2e?: { state: string } }).e2e?.state !== undefined && (window as unknown as { e2e: { state: string } }).e2e.state !== 'starting');
  const state = await page.evaluate(() => (window as unknown as { e2e: { state: string; startError?: string } }).e2e);
  if (state.state === 'failed') throw new Error(`harness failed to start: ${state.startError}`);
}

type HarnessWindow = Window & { __rotorLeaving?: boolean; e2e?: { state: string; callback?: Attempt<unknown>; login(o?: unknown): Promise<void> } };

/** Where a page is in a login round trip: still on the old document, on the login form, or back in the harness. */
async function loginStage(page: Page): Promise<'leaving' | 'loading' | 'form' | 'back'> {
  try {
    return await page.evaluate(() => {
      const w = window as HarnessWindow;
      if (w.__rotorLeaving) return 'leaving';
      if (document.querySelector('input[name="password"]')) return 'form';
      if (w.e2e && w.e2e.state !== 'starting') return 'back';
      return 'loading';
    });
  } catch {
    return 'loading'; // the document changed under the evaluation
  }
}

/**
 * loginWithRedirect from the harness, through the mock server's login form (or straight
 * back with `autoLogin`), to the harness' handleRedirectCallback. Throws if the callback failed.
 */
export async function loginWithRedirect(
  page: Page,
  app: StaticServer,
  opts: { username?: string; password?: string; options?: unknown } = {},
): Promise<void> {
  await page.evaluate((o) => {
    const w = window as HarnessWindow;
    w.__rotorLeaving = true;
    void w.e2e?.login(o);
  }, opts.options ?? {});
  await expect.poll(() => loginStage(page), { timeout: 20_000 }).toMatch(/^(form|back)$/);
  if ((await loginStage(page)) === 'form') {
    await page.locator('input[name="username"]').fill(opts.username ?? 'demo');
    await page.locator('input[name="password"]').fill(opts.password ?? 'demo');
    await page.locator('form button[type="submit"], form input[type="submit"]').first().click();
    await expect.poll(() => loginStage(page), { timeout: 20_000 }).toBe('back');
  }
  expect(new URL(page.url()).origin).toBe(app.url);
  await waitForHarness(page);
  const callback = await page.evaluate(() => (window as HarnessWindow).e2e?.callback);
  if (!callback || !callback.ok) throw new Error(`login did not complete: ${JSON.stringify(callback)}`);
}

/** Runs a method of the harness' AuthClient in the page and returns its result or its error fields. */
export function clientCall<T = unknown>(page: Page, method: string, ...args: unknown[]): Promise<Attempt<T>> {
  return page.evaluate(
    ([m, a]) => (window as unknown as { e2e: { attempt(m: string, a: unknown[]): Promise<unknown> } }).e2e.attempt(m as string, a as unknown[]),
    [method, args] as const,
  ) as Promise<Attempt<T>>;
}

export interface Fixtures {
  /** Options for the mock server of this test (`test.use({ mockOptions: {...} })`). */
  mockOptions: MockServerOptions;
  mock: RunningMockServer;
  app: StaticServer;
}

export const test = base.extend<Fixtures>({
  mockOptions: [{}, { option: true }],
  mock: async ({ mockOptions }, use) => {
    const mock = await startMockServer(mockOptions);
    await use(mock);
    await mock.close();
  },
  // eslint-disable-next-line no-empty-pattern
  app: async ({}, use) => {
    const app = await serveApp();
    await use(app);
    await app.close();
  },
});

/** Moves the browser's fake clock (installed with `clock.install()`) and the server's clock by the same amount. */
export async function advanceClocks(
  clock: { fastForward(ticks: number | string): Promise<void> },
  mock: RunningMockServer,
  seconds: number,
): Promise<void> {
  mock.control.advanceClock(seconds);
  await clock.fastForward(seconds * 1000);
}

/** Token requests the server saw, optionally only one grant type. */
export function tokenRequests(mock: RunningMockServer, grantType?: string): MockEvent[] {
  return mock.events('token_request').filter((e) => grantType === undefined || e.grant_type === grantType);
}

/** Keys the SDK wrote to localStorage (`@@rotor@@::…`). */
export function rotorLocalStorageKeys(page: Page): Promise<string[]> {
  return page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('@@rotor@@')));
}
