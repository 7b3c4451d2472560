// Which browser binaries the e2e suite runs on. Kept apart from fixtures.ts so that
// playwright.config.ts can import it without pulling in the test runner's fixtures.
import { existsSync } from 'node:fs';
import type { LaunchOptions } from '@playwright/test';

/** Debian's Chromium: the only browser that runs on machines where `npx playwright install` can't download. */
export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** Flags for the system Chromium: it runs as root (no sandbox) on a closed network (no background traffic). */
export const SYSTEM_CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

/** True when the e2e suite drives Debian's Chromium instead of Playwright's own build. */
export function usesSystemChromium(): boolean {
  return process.env.ROTOR_E2E_PLAYWRIGHT_CHROMIUM !== '1' && existsSync(SYSTEM_CHROMIUM);
}

/**
 * Launch options for Chromium: `/usr/bin/chromium` with the flags it needs when that file
 * exists, Playwright's own Chromium otherwise (set ROTOR_E2E_PLAYWRIGHT_CHROMIUM=1 to force it).
 * Use it for `chromium.launch()` / `chromium.launchPersistentContext()` in specs that start
 * their own browser (e.g. to set third-party-cookie preferences in a profile).
 */
export function chromiumLaunchOptions(extraArgs: readonly string[] = []): LaunchOptions {
  if (!usesSystemChromium()) return extraArgs.length ? { args: [...extraArgs] } : {};
  return { executablePath: SYSTEM_CHROMIUM, args: [...SYSTEM_CHROMIUM_ARGS, ...extraArgs] };
}

/**
 * Extra browsers, opt-in by environment where their builds exist (they need a download that
 * this machine cannot make): ROTOR_E2E_BROWSERS=chromium,firefox,webkit.
 */
export function requestedBrowsers(): Array<'chromium' | 'firefox' | 'webkit'> {
  const raw = process.env.ROTOR_E2E_BROWSERS ?? 'chromium';
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const known = ['chromium', 'firefox', 'webkit'] as const;
  const bad = names.filter((n) => !(known as readonly string[]).includes(n));
  if (bad.length) throw new Error(`ROTOR_E2E_BROWSERS: unknown browser(s) ${bad.join(', ')}; use ${known.join(', ')}`);
  return known.filter((k) => names.includes(k));
}
