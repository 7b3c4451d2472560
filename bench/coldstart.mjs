// Cold start: navigation → first token from getTokenSilently(), in real page
// loads of a page that loads ONE SDK by script tag and does what an app does
// on load (createAuthClient / createAuth0Client, then getTokenSilently()).
// Two scenarios, each SDK logged in once beforehand by a real code + PKCE
// login, both on localStorage (the only cache both keep across a reload):
//  - valid: the cached access token is valid (no request needed);
//  - expired: the mock server issues access tokens that live 30 s, inside both
//    SDKs' 60 s leeway, so every load finds it expired and refreshes.
// Two networks: loopback, and Chromium network emulation (CDP
// Network.emulateNetworkConditions: 50 ms latency per request, limited
// download and upload rates) on every page. Trials interleave the SDKs
// (order alternating each trial); medians per cell. The SDK's script
// compile + execute time is taken in the page from performance marks around
// its script tag minus the script's own download (Resource Timing responseEnd).
import { startMockServer } from './servers/mock.mjs';
import { median } from './lib/stats.mjs';
import { clientConfig, inPageLogin, openBenchPage, STEP_TIMEOUT } from './lib/page.mjs';

export const EMULATED = { offline: false, latency: 50, downloadThroughput: 200_000, uploadThroughput: 100_000 };
export const NETWORKS = { loopback: null, emulated: EMULATED };
const SDKS = ['rotor-auth', 'auth0-spa-js'];
const SCENARIOS = { valid: {}, expired: { accessTokenTtl: 30 } };

async function load(page, url) {
  await page.goto(url, { timeout: STEP_TIMEOUT });
  await page.waitForFunction(() => window.coldResult, undefined, { timeout: STEP_TIMEOUT });
  const r = await page.evaluate(() => window.coldResult);
  if (!r.ok) throw new Error(`cold load failed: ${r.error}`);
  return r;
}

export async function measureColdStart(browser, app, { trials = 12, warmup = 2, log = () => {} } = {}) {
  const mocks = {};
  const cells = [];
  const contexts = [];
  try {
    for (const [scenario, options] of Object.entries(SCENARIOS)) {
      mocks[scenario] = await startMockServer(options);
      for (const sdk of SDKS) {
        const context = await browser.newContext();
        contexts.push(context);
        const page = await context.newPage();
        const cfg = clientConfig(mocks[scenario], 'localstorage');
        await openBenchPage(page, app);
        await inPageLogin(page, app, 'cold', sdk, cfg);
        const url = `${app.origin}/cold.html?sdk=${encodeURIComponent(sdk)}&cfg=${encodeURIComponent(JSON.stringify(cfg))}`;
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        cells.push({ scenario, sdk, page, url, cdp, samples: {}, scriptMs: [], refreshes: {} });
      }
    }
    const result = { network: EMULATED, trials, scenarios: {} };
    for (const [network, conditions] of Object.entries(NETWORKS)) {
      for (const cell of cells) {
        await cell.cdp.send('Network.emulateNetworkConditions', conditions ?? { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
        cell.samples[network] = [];
      }
      for (let t = -warmup; t < trials; t += 1) {
        for (const scenario of Object.keys(SCENARIOS)) {
          const pair = cells.filter((c) => c.scenario === scenario);
          if (t % 2 !== 0) pair.reverse();
          for (const cell of pair) {
            const r = await load(cell.page, cell.url);
            if (t >= 0) {
              cell.samples[network].push(r.tokenAt);
              if (network === 'loopback') cell.scriptMs.push(r.scriptMs);
            }
          }
        }
      }
    }
    for (const cell of cells) {
      result.scenarios[cell.scenario] ??= {};
      result.scenarios[cell.scenario][cell.sdk] = {
        medianMs: Object.fromEntries(Object.entries(cell.samples).map(([n, s]) => [n, median(s)])),
        scriptMedianMs: median(cell.scriptMs),
      };
    }
    for (const [scenario, bySdk] of Object.entries(result.scenarios)) {
      for (const network of Object.keys(NETWORKS)) {
        log(`  cold start, ${scenario} token, ${network}: ${SDKS.map((s) => `${s} ${bySdk[s].medianMs[network].toFixed(1)} ms`).join(', ')}`);
      }
    }
    log(`  script compile + execute (loopback, valid): ${SDKS.map((s) => `${s} ${result.scenarios.valid[s].scriptMedianMs.toFixed(2)} ms`).join(', ')}`);
    return result;
  } finally {
    await Promise.all(contexts.map((c) => c.close()));
    await Promise.all(Object.values(mocks).map((m) => m.close()));
  }
}
