import { defineConfig, devices, type Project } from '@playwright/test';
import { chromiumLaunchOptions, requestedBrowsers } from './e2e/browsers.js';

// Chromium always runs: Debian's /usr/bin/chromium when present, Playwright's own otherwise.
// Firefox and WebKit are opt-in where Playwright's builds are installed:
//   ROTOR_E2E_BROWSERS=chromium,firefox,webkit npx playwright test
const projects: Project[] = requestedBrowsers().map((name) => {
  if (name === 'chromium') {
    return { name, use: { ...devices['Desktop Chrome'], launchOptions: chromiumLaunchOptions() } };
  }
  return { name, use: { ...devices[name === 'firefox' ? 'Desktop Firefox' : 'Desktop Safari'] } };
});

export default defineConfig({
  // e2e/ and the README's Playwright example (examples/playwright, run verbatim against the build)
  testDir: '.',
  testMatch: ['e2e/**/*.spec.ts', 'examples/playwright/**/*.spec.ts'],
  // The machine has 2 cores shared with other work; every spec starts its own servers on port 0.
  workers: process.env.CI ? 1 : 2,
  fullyParallel: false,
  forbidOnly: true,
  // One retry on CI only, so a browser-timing hiccup on a loaded machine does not block a landing;
  // Playwright still lists such a test as flaky in the report.
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    actionTimeout: 15_000,
    navigationTimeout: 20_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects,
});
