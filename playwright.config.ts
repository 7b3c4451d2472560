import { chromium, defineConfig, devices, firefox, webkit, type Project } from '@playwright/test';
import { browserAvailable, chromiumLaunchOptions, DEBIAN_PACKAGE, firefoxLaunchOptions, requestedBrowsers } from './e2e/browsers.js';

// Chromium and Firefox run the whole suite: Debian's /usr/bin/chromium and /usr/bin/firefox-esr
// when present, Playwright's own builds otherwise (e2e/browsers.ts). WebKit (Debian's WebKitGTK)
// runs its own WebDriver suite: e2e/webkit/ (npm run test:webkit). Playwright's own WebKit:
//   ROTOR_E2E_BROWSERS=chromium,firefox,webkit npx playwright test
// A browser that is missing is skipped with a line naming the Debian package; with CI=true it fails.
const executablePath = { chromium: () => chromium.executablePath(), firefox: () => firefox.executablePath(), webkit: () => webkit.executablePath() };
// Specs about one engine's own cookie rules, which launch that engine with its own profile prefs: they
// belong to that engine's project only (not skipped elsewhere: never collected there).
const ENGINE_ONLY: Record<string, keyof typeof DEBIAN_PACKAGE> = {
  '**/e2e/itp.spec.ts': 'chromium', // Chromium's third-party-cookie mode (WebKit's ITP: e2e/webkit/itp.webkit.ts)
  '**/e2e/demo-cookies.spec.ts': 'chromium',
  '**/e2e/firefox-cookies.spec.ts': 'firefox', // Firefox's cookieBehavior and Total Cookie Protection
};
const missing: Array<keyof typeof DEBIAN_PACKAGE> = [];
const projects: Project[] = [];
for (const name of requestedBrowsers()) {
  if (!browserAvailable(name, executablePath[name])) {
    missing.push(name);
    continue;
  }
  const testIgnore = Object.entries(ENGINE_ONLY).filter(([, engine]) => engine !== name).map(([spec]) => spec);
  if (name === 'chromium') projects.push({ name, testIgnore, use: { ...devices['Desktop Chrome'], launchOptions: chromiumLaunchOptions() } });
  // Firefox runs the fault matrix on its own storage (localStorage, IndexedDB); the memory cache's rows
  // repeat the localStorage rows' network faults with nothing of the engine's storage in them (Chromium
  // runs them), and leaving them out keeps CI near 15 minutes on two cores.
  else if (name === 'firefox') projects.push({ name, testIgnore, grepInvert: /faults\.spec\.ts .* × memory$/, use: { ...devices['Desktop Firefox'], launchOptions: firefoxLaunchOptions() } });
  else projects.push({ name, testIgnore, use: { ...devices['Desktop Safari'] } });
}
if (missing.length) {
  const lines = missing.map((n) => `${n}: no browser binary (Debian: apt-get install ${DEBIAN_PACKAGE[n]}; or npx playwright install ${n})`);
  if (process.env.CI) throw new Error(`CI must run every engine; missing:\n  ${lines.join('\n  ')}`);
  // Printed once by the runner process (workers re-read this file).
  if (!process.env.TEST_WORKER_INDEX) for (const l of lines) console.log(`SKIP e2e project ${l}`);
}
if (!projects.length) throw new Error('no browser to run the e2e suite on (see the SKIP lines above)');

export default defineConfig({
  // e2e/ and the README's Playwright example (examples/playwright, run verbatim against the build)
  testDir: '.',
  testMatch: ['e2e/**/*.spec.ts', 'examples/playwright/**/*.spec.ts'],
  // Two workers (the machine has 2 cores): with Chromium and Firefox both running the suite, one worker
  // would take CI past 15 minutes. Every spec starts its own servers on port 0.
  workers: 2,
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
