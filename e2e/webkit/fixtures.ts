// WebKit (Debian's WebKitGTK, Safari's engine) over W3C WebDriver: Playwright cannot drive this
// build, so these specs use selenium-webdriver 4.46.0 (the last release that runs on Node 20;
// `usingServer()` needs no driver download) against `WebKitWebDriver --port=N`, with
// MiniBrowser as the browser. Playwright Test is only the runner here (it loads the shared
// TypeScript helpers of e2e/fixtures.ts, which node:test on Node 20 cannot); no Playwright browser.
//
// One WebKitWebDriver per worker; one fresh MiniBrowser session per test (a session starts with
// ephemeral storage; tabs of one session share storage, Web Locks and BroadcastChannel).
// The mock authorization server is served over HTTPS (self-signed, acceptInsecureCerts):
// WebKit drops `Secure` cookies on plain-http 127.0.0.1, and the session cookie is
// `SameSite=None; Secure`. The app stays on http://localhost (a secure context; another site).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { Builder, By, Capabilities, type WebDriver } from 'selenium-webdriver';
import { selfSignedCertificate } from '../../src/mock-server/tls.js';
import { test as base } from '@playwright/test';
import { expect, harnessUrl, serveApp, type Attempt, type HarnessConfig, type RunningMockServer, type StaticServer } from '../fixtures.js';
import type { MockServerOptions } from '../../src/mock-server/types.js';
import { startMockServer } from '../fixtures.js';

export { expect };
export const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function startDriver(): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(WEBKIT_DRIVER, [`--port=${port}`, '--host=127.0.0.1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`WebKitWebDriver exited ${proc.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${url}/status`);
      if (res.ok) return { url, proc };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new Error(`WebKitWebDriver did not answer on ${url}: ${stderr}`);
}

/** A MiniBrowser session; `itp` turns on Intelligent Tracking Prevention (`--enable-itp`). */
export async function newSession(driverUrl: string, opts: { itp?: boolean } = {}): Promise<WebDriver> {
  const caps = new Capabilities();
  caps.set('browserName', 'MiniBrowser');
  caps.set('webkitgtk:browserOptions', { binary: MINIBROWSER, args: ['--automation', ...(opts.itp ? ['--enable-itp'] : [])] });
  caps.setAcceptInsecureCerts(true);
  const driver = await new Builder().usingServer(driverUrl).withCapabilities(caps).build();
  await driver.manage().setTimeouts({ script: 30_000, pageLoad: 20_000 });
  return driver;
}

/** The mock server over HTTPS on 127.0.0.1 (port 0), with the helpers of e2e/fixtures.ts. */
export async function startHttpsMockServer(options: MockServerOptions = {}): Promise<RunningMockServer> {
  return startMockServer(options, { tls: selfSignedCertificate('127.0.0.1') });
}

type WebKitFixtures = { mockOptions: MockServerOptions; itp: boolean; mock: RunningMockServer; app: StaticServer; driver: WebDriver };
type WorkerFixtures = { driverUrl: string };

export const test = base.extend<WebKitFixtures, WorkerFixtures>({
  driverUrl: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const { url, proc } = await startDriver();
      await use(url);
      proc.kill();
    },
    { scope: 'worker' },
  ],
  itp: [false, { option: true }],
  mockOptions: [{}, { option: true }],
  mock: async ({ mockOptions }, use) => {
    const mock = await startHttpsMockServer(mockOptions);
    await use(mock);
    await mock.close();
  },
  // eslint-disable-next-line no-empty-pattern
  app: async ({}, use) => {
    const app = await serveApp();
    await use(app);
    await app.close();
  },
  driver: async ({ driverUrl, itp }, use) => {
    const driver = await newSession(driverUrl, { itp });
    await use(driver);
    await driver.quit().catch(() => undefined);
  },
});

/** Waits until the harness page has created its client (and handled a callback); throws if it failed. */
export async function waitForHarness(driver: WebDriver): Promise<void> {
  await driver.wait(
    () => driver.executeScript<boolean>('return !!(window.e2e && window.e2e.state !== "starting")').catch(() => false),
    20_000,
    'harness did not start',
  );
  const state = await driver.executeScript<{ state: string; startError?: string }>('return { state: window.e2e.state, startError: window.e2e.startError }');
  if (state.state === 'failed') throw new Error(`harness failed to start: ${state.startError}`);
}

export async function openHarness(driver: WebDriver, app: StaticServer, config: HarnessConfig): Promise<void> {
  await driver.get(harnessUrl(app, config));
  await waitForHarness(driver);
}

/** Runs a method of the harness' AuthClient in the page (W3C executeScript awaits the promise). */
export function clientCall<T = unknown>(driver: WebDriver, method: string, ...args: unknown[]): Promise<Attempt<T>> {
  return driver.executeScript<Attempt<T>>('return window.e2e.attempt(arguments[0], arguments[1])', method, args);
}

/** loginWithRedirect → (the mock's login form, unless autoLogin) → back at the harness, callback handled. */
export async function loginWithRedirect(driver: WebDriver, app: StaticServer, opts: { username?: string; password?: string } = {}): Promise<void> {
  await driver.executeScript('window.__rotorLeaving = true; void window.e2e.login({});');
  const stage = async (): Promise<string> =>
    driver
      .executeScript<string>(
        'if (window.__rotorLeaving) return "leaving"; if (document.querySelector(\'input[name="password"]\')) return "form"; if (window.e2e && window.e2e.state !== "starting") return "back"; return "loading";',
      )
      .catch(() => 'loading');
  await driver.wait(async () => /^(form|back)$/.test(await stage()), 20_000, 'login did not reach the form or the app');
  if ((await stage()) === 'form') {
    await driver.findElement(By.css('input[name="username"]')).sendKeys(opts.username ?? 'demo');
    await driver.findElement(By.css('input[name="password"]')).sendKeys(opts.password ?? 'demo');
    await driver.findElement(By.css('form button[type="submit"], form input[type="submit"]')).click();
    await driver.wait(async () => (await stage()) === 'back', 20_000, 'login form did not return to the app');
  }
  expect(new URL(await driver.getCurrentUrl()).origin).toBe(app.url);
  await waitForHarness(driver);
  const callback = await driver.executeScript<Attempt<unknown> | undefined>('return window.e2e.callback');
  if (!callback || !callback.ok) throw new Error(`login did not complete: ${JSON.stringify(callback)}`);
}

/** Opens a second tab of the same session (shared storage, locks, BroadcastChannel) and returns the handles [first, second]. */
export async function openSecondTab(driver: WebDriver): Promise<[string, string]> {
  const first = await driver.getWindowHandle();
  await driver.switchTo().newWindow('tab');
  const second = await driver.getWindowHandle();
  return [first, second];
}

/** What the front door does with one request: `destroy` its socket (a network error), or pass it on and add response headers. */
export type FrontDoorAction = 'destroy' | { addHeaders: Record<string, string> };

/** A one-shot rule: the first request matching `method` and `path` gets `action`, then the rule is gone. */
export interface FrontDoorRule {
  method: string;
  path: string;
  action: FrontDoorAction;
}

/**
 * The mock server behind an HTTPS front door of its own (an HTTP proxy on another port of 127.0.0.1, the mock's
 * issuer pinned to it). WebDriver has no offline switch and no request interception, so faults the mock's control
 * API cannot make happen here: `offline` refuses every connection (and drops the open ones); `rules` act once on one
 * request. `requests` logs what reached the door (`status` once answered, `destroyed` when cut).
 */
export interface FrontedMockServer extends RunningMockServer {
  front: {
    offline: boolean;
    rules: FrontDoorRule[];
    requests: Array<{ method: string; path: string; status?: number; destroyed?: boolean }>;
  };
}

export async function startFrontedMockServer(options: MockServerOptions = {}): Promise<FrontedMockServer> {
  const tls = selfSignedCertificate('127.0.0.1');
  const sockets = new Set<Socket>();
  const front: FrontedMockServer['front'] = { offline: false, rules: [], requests: [] };
  let backendPort = 0;
  const door = createHttpsServer(tls, (req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    const entry: FrontedMockServer['front']['requests'][number] = { method: req.method ?? 'GET', path };
    front.requests.push(entry);
    const i = front.rules.findIndex((r) => r.method === entry.method && r.path === path);
    const action = i >= 0 ? front.rules.splice(i, 1)[0]!.action : undefined;
    if (front.offline || action === 'destroy') {
      entry.destroyed = true;
      req.socket.destroy();
      return;
    }
    const up = httpsRequest(
      { host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers: req.headers, rejectUnauthorized: false },
      (answer) => {
        entry.status = answer.statusCode;
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...(action?.addHeaders ?? {}) });
        answer.pipe(res);
      },
    );
    up.on('error', () => {
      entry.destroyed = true;
      req.socket.destroy();
    });
    req.pipe(up);
  });
  door.on('connection', (s: Socket) => {
    if (front.offline) return s.destroy();
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => door.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(door.address() as { port: number }).port}`;
  const mock = await startMockServer({ ...options, issuer: `${url}/` }, { tls });
  backendPort = Number(new URL(mock.url).port); // the listener's own address (the issuer is the door's)
  let offline = false;
  Object.defineProperty(front, 'offline', {
    get: () => offline,
    set: (v: boolean) => {
      offline = v;
      if (v) for (const s of sockets) s.destroy();
    },
  });
  return {
    ...mock,
    url,
    issuer: `${url}/`,
    front,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => door.close(() => r()));
      await mock.close();
    },
  };
}
