import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

/** Debian's Chromium when present (Playwright cannot download its own here); Playwright's own browser otherwise. */
const SYSTEM_CHROMIUM = '/usr/bin/chromium';
const chromiumLaunch = existsSync(SYSTEM_CHROMIUM)
  ? {
      executablePath: SYSTEM_CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    }
  : {};

const SYSTEM_FIREFOX = '/usr/bin/firefox-esr';
const firefoxLaunch = { channel: 'moz-firefox', executablePath: SYSTEM_FIREFOX, firefoxUserPrefs: { 'app.update.enabled': false } };
if (!existsSync(SYSTEM_FIREFOX) && !process.env.VITEST_WORKER_ID) console.log('SKIP vitest browser mode in Firefox: /usr/bin/firefox-esr missing (Debian: apt-get install firefox-esr)');

export default defineConfig({
  test: {
    projects: [
      {
        // examples/vitest are the README's vitest example, run verbatim: their package imports resolve to the sources
        resolve: {
          alias: [
            { find: /^rotor-auth\/testing$/, replacement: fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)) },
            { find: /^rotor-auth\/mock-server$/, replacement: fileURLToPath(new URL('./src/mock-server/index.ts', import.meta.url)) },
          ],
        },
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts', 'examples/vitest/**/*.test.ts'],
          exclude: ['test/browser/**'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        // Pre-bundle up front: a mid-run re-optimisation reloads the page and can duplicate tests.
        optimizeDeps: { include: ['jose', 'idb-keyval', 'react', 'react/jsx-runtime', 'react-dom/client'] },
        // examples/react are the README's React examples, run verbatim: their package imports resolve to the sources
        resolve: {
          alias: [
            { find: /^rotor-auth\/react$/, replacement: fileURLToPath(new URL('./src/react/index.ts', import.meta.url)) },
            { find: /^rotor-auth\/testing$/, replacement: fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)) },
          ],
        },
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts', 'examples/react/**/*.test.tsx'],
          globalSetup: ['test/browser/global-setup.ts'],
          testTimeout: 20_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({ launchOptions: chromiumLaunch }),
            // Firefox: Debian's firefox-esr over BiDi (Playwright's moz-firefox channel) when present.
            instances: [
              { browser: 'chromium' },
              ...(existsSync(SYSTEM_FIREFOX) ? [{ browser: 'firefox' as const, provider: playwright({ launchOptions: firefoxLaunch }) }] : []),
            ],
          },
        },
      },
    ],
  },
});
