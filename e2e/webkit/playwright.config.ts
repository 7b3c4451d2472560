// The WebKit suite: selenium-webdriver against WebKitWebDriver + MiniBrowser (see fixtures.ts).
// Run through scripts/test-webkit.mjs (npm run test:webkit), which checks the binaries and starts Xvfb.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: ['**/*.webkit.ts'],
  // One MiniBrowser at a time: the machine has 2 cores shared with other work, and WebKit's
  // web process and network process are two busy processes per session.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: process.env.CI ? 1 : 0,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  projects: [{ name: 'webkit' }],
});
