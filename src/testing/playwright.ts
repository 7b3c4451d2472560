/**
 * rotor-auth/testing/playwright: a Playwright fixture with a mock
 * authorization server per worker.
 *
 * ```ts
 * import { test, expect } from 'rotor-auth/testing/playwright';
 * test('refreshes', async ({ page, authServer, expireTokens }) => { ... });
 * ```
 */
import {
  test as base,
  type Page,
  type PlaywrightTestArgs,
  type PlaywrightTestOptions,
  type PlaywrightWorkerArgs,
  type PlaywrightWorkerOptions,
  type TestType,
} from '@playwright/test';
import { createMockServer, type MockServer, type MockServerOptions } from '../mock-server/index.js';

export { expect } from '@playwright/test';

export interface AuthServer {
  /** The server's origin, e.g. `http://127.0.0.1:41234` (no trailing slash): the SDK's `domain`. */
  url: string;
  /** The issuer (`url` + `/`). */
  issuer: string;
  /** The server itself: `fetch`, `control`, ... */
  server: MockServer;
  control: MockServer['control'];
}

export interface AuthFixtures {
  /** The worker's mock server, reset (state, clock, faults) before each test. */
  authServer: AuthServer;
  /**
   * Moves the page clock and the server clock forward together, past the
   * access tokens' lifetime plus the SDK's leeway (or by `seconds`). The
   * page clock is installed when a test asks for this fixture (before it
   * navigates). Returns the seconds moved.
   */
  expireTokens: (page: Page, seconds?: number) => Promise<number>;
}

export interface AuthWorkerFixtures {
  /** Options for the worker's server (override with `test.use({ authServerOptions: { ... } })`). */
  authServerOptions: MockServerOptions;
  authServerWorker: AuthServer;
}

export const test: TestType<
  PlaywrightTestArgs & PlaywrightTestOptions & AuthFixtures,
  PlaywrightWorkerArgs & PlaywrightWorkerOptions & AuthWorkerFixtures
> = base.extend<AuthFixtures, AuthWorkerFixtures>({
  authServerOptions: [{}, { scope: 'worker', option: true }],
  authServerWorker: [
    async ({ authServerOptions }, use) => {
      const server = createMockServer(authServerOptions);
      const listening = await server.listen(0, '127.0.0.1');
      await use({ url: listening.url, issuer: `${listening.url}/`, server, control: server.control });
      await listening.close();
    },
    { scope: 'worker' },
  ],
  authServer: async ({ authServerWorker }, use) => {
    authServerWorker.control.reset();
    await use(authServerWorker);
  },
  expireTokens: async ({ authServer, authServerOptions, page }, use) => {
    await page.clock.install();
    await use(async (target: Page, seconds?: number) => {
      const s = seconds ?? (authServerOptions.accessTokenTtl ?? 3600) + 61;
      await target.clock.fastForward(s * 1000);
      authServer.control.advanceClock(s);
      return s;
    });
  },
});
