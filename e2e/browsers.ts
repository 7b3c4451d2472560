// Which browser binaries the e2e suite runs on. Kept apart from fixtures.ts so that
// playwright.config.ts can import it without pulling in the test runner's fixtures.
//
//   chromium: Debian's /usr/bin/chromium when present, Playwright's own build otherwise.
//   firefox:  Debian's /usr/bin/firefox-esr (stock Firefox over WebDriver BiDi: Playwright's
//             `moz-firefox` channel, which works up to Playwright 1.64.1), Playwright's own
//             Firefox otherwise. Neither present: a skip line naming the Debian package, or a
//             failure when CI=true.
//   webkit:   Debian's WebKitGTK has no Playwright driver; it runs under e2e/webkit/ (WebDriver).
//             ROTOR_E2E_BROWSERS=...,webkit adds Playwright's own WebKit where it is installed.
import { existsSync } from 'node:fs';
import type { LaunchOptions } from '@playwright/test';

/** Debian's Chromium: the only browser that runs on machines where `npx playwright install` can't download. */
export const SYSTEM_CHROMIUM = '/usr/bin/chromium';
/** Debian's Firefox ESR (package firefox-esr). */
export const SYSTEM_FIREFOX = '/usr/bin/firefox-esr';

/** Flags for the system Chromium: it runs as root (no sandbox) on a closed network (no background traffic). */
export const SYSTEM_CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

/** Prefs for every Firefox the suite launches: no first-run pages, updates or telemetry traffic on a closed network. */
export const FIREFOX_BASE_PREFS: Readonly<Record<string, string | number | boolean>> = {
  'app.update.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
};

/** True when the e2e suite drives Debian's Chromium instead of Playwright's own build. */
export function usesSystemChromium(): boolean {
  return process.env.ROTOR_E2E_PLAYWRIGHT_CHROMIUM !== '1' && existsSync(SYSTEM_CHROMIUM);
}

/** True when the e2e suite drives Debian's Firefox ESR instead of Playwright's own build. */
export function usesSystemFirefox(): boolean {
  return process.env.ROTOR_E2E_PLAYWRIGHT_FIREFOX !== '1' && existsSync(SYSTEM_FIREFOX);
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
 * Launch options for Firefox: stock `/usr/bin/firefox-esr` over BiDi (`channel: 'moz-firefox'`)
 * when present, Playwright's own Firefox otherwise (ROTOR_E2E_PLAYWRIGHT_FIREFOX=1 forces it).
 * `prefs` are added to the base prefs (e.g. `network.cookie.cookieBehavior`).
 */
export function firefoxLaunchOptions(prefs: Record<string, string | number | boolean> = {}): LaunchOptions {
  const firefoxUserPrefs = { ...FIREFOX_BASE_PREFS, ...prefs };
  if (!usesSystemFirefox()) return { firefoxUserPrefs };
  return { channel: 'moz-firefox', executablePath: SYSTEM_FIREFOX, firefoxUserPrefs };
}

/** Debian package that provides each engine here. */
export const DEBIAN_PACKAGE = { chromium: 'chromium', firefox: 'firefox-esr', webkit: 'webkit2gtk-driver' } as const;

/**
 * The browser binary for a project exists: Debian's, or Playwright's own build
 * (`playwrightPath`: `chromium.executablePath()` etc., which may name a file not installed).
 */
export function browserAvailable(name: 'chromium' | 'firefox' | 'webkit', playwrightPath: () => string): boolean {
  if (name === 'chromium' && usesSystemChromium()) return true;
  if (name === 'firefox' && usesSystemFirefox()) return true;
  try {
    return existsSync(playwrightPath());
  } catch {
    return false;
  }
}

/**
 * Browsers the Playwright projects run on: chromium and firefox by default
 * (ROTOR_E2E_BROWSERS=chromium,firefox,webkit to choose).
 */
export function requestedBrowsers(): Array<'chromium' | 'firefox' | 'webkit'> {
  const raw = process.env.ROTOR_E2E_BROWSERS ?? 'chromium,firefox';
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const known = ['chromium', 'firefox', 'webkit'] as const;
  const bad = names.filter((n) => !(known as readonly string[]).includes(n));
  if (bad.length) throw new Error(`ROTOR_E2E_BROWSERS: unknown browser(s) ${bad.join(', ')}; use ${known.join(', ')}`);
  return known.filter((k) => names.includes(k));
}
