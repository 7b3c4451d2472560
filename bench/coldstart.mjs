// Cold start: navigation → first token from getTokenSilently(), in real page
// loads of a page that loads ONE SDK by script tag and does what an app does
// on load (createAuthClient / createAuth0Client, then getTokenSilently()).
// Two scenarios, each SDK logged in once beforehand by a real code + PKCE
// login, both on localStorage (the only cache both keep across a reload):
//  - valid: the cached access token is valid (no request needed);
//  - expired: before every load the page's Date (and only Date: an init
//    script shifts Date.now / new Date(); performance.now stays real) and the
//    mock server's clock jump 120 s ahead, past the 120 s access tokens this
//    server issues minus both SDKs' 60 s leeway, so every load finds its
//    cached token expired and refreshes once (the new token is then valid).
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
const SCENARIOS = { valid: {}, expired: { accessTokenTtl: 120 } };
const EXPIRED_JUMP_S = 120;
const OFFSET_KEY = '__bench_clock_offset_ms';

/** Runs before any page script: Date reads real time + the offset the bench stored (none: untouched). */
function shiftDate(key) {
  const offset = Number(localStorage.getItem(key) || 0);
  if (!offset) return;
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(realNow() + offset);
      else super(...args);
    }
    static now() { return realNow() + offset; }
  }
  window.Date = ShiftedDate;
}

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
      // the floor: the same page with no SDK (valid scenario only; it sends nothing)
      for (const sdk of scenario === 'valid' ? [...SDKS, 'none'] : SDKS) {
        const context = await browser.newContext();
        contexts.push(context);
        if (scenario === 'expired') await context.addInitScript(shiftDate, OFFSET_KEY);
        const page = await context.newPage();
        const cfg = clientConfig(mocks[scenario], 'localstorage');
        if (sdk !== 'none') {
          await openBenchPage(page, app);
          await inPageLogin(page, app, 'cold', sdk, cfg);
        }
        const url = `${app.origin}/cold.html?sdk=${encodeURIComponent(sdk)}&cfg=${encodeURIComponent(JSON.stringify(cfg))}`;
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        const cell = { scenario, sdk, page, url, cdp, samples: {}, scriptMs: [], requestCounts: [], current: [] };
        // requests this page sends to the authorization server during one load
        const origin = mocks[scenario].url;
        page.on('request', (req) => { if (req.url().startsWith(origin)) cell.current.push(`${req.method()} ${new URL(req.url()).pathname}`); });
        cells.push(cell);
      }
    }
    const result = { network: EMULATED, trials, expiredJumpSeconds: EXPIRED_JUMP_S, scenarios: {} };
    let offsetMs = 0;
    const expireAll = async () => {
      offsetMs += EXPIRED_JUMP_S * 1000;
      mocks.expired.mock.control.advanceClock(EXPIRED_JUMP_S);
      for (const cell of cells.filter((c) => c.scenario === 'expired')) {
        await cell.page.evaluate(([k, v]) => localStorage.setItem(k, String(v)), [OFFSET_KEY, offsetMs]);
      }
    };
    for (const [network, conditions] of Object.entries(NETWORKS)) {
      for (const cell of cells) {
        await cell.cdp.send('Network.emulateNetworkConditions', conditions ?? { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
        cell.samples[network] = [];
      }
      for (let t = -warmup; t < trials; t += 1) {
        for (const scenario of Object.keys(SCENARIOS)) {
          const pair = cells.filter((c) => c.scenario === scenario);
          if (scenario === 'expired') await expireAll();
          // rotate who goes first
          for (let k = 0; k < ((t % pair.length) + pair.length) % pair.length; k += 1) pair.push(pair.shift());
          for (const cell of pair) {
            cell.current = [];
            const r = await load(cell.page, cell.url);
            if (t >= 0) {
              cell.requestCounts.push(cell.current.length);
              cell.lastRequests = cell.current;
              cell.samples[network].push(r.tokenAt);
              if (network === 'loopback') cell.scriptMs.push(r.scriptMs);
            }
          }
        }
      }
    }
    for (const cell of cells) {
      if (cell.sdk === 'none') {
        result.baseline = { medianMs: Object.fromEntries(Object.entries(cell.samples).map(([n, v]) => [n, median(v)])) };
        continue;
      }
      result.scenarios[cell.scenario] ??= {};
      result.scenarios[cell.scenario][cell.sdk] = {
        medianMs: Object.fromEntries(Object.entries(cell.samples).map(([n, s]) => [n, median(s)])),
        // every loopback load of this SDK (both scenarios) parses and runs the same script
        scriptMedianMs: median(cells.filter((c) => c.sdk === cell.sdk).flatMap((c) => c.scriptMs)),
        requestsPerLoad: median(cell.requestCounts),
        requestsOfLastLoad: cell.lastRequests,
      };
    }
    for (const [scenario, bySdk] of Object.entries(result.scenarios)) {
      for (const network of Object.keys(NETWORKS)) {
        if (scenario === 'valid') log(`  cold start, page without an SDK, ${network}: ${result.baseline.medianMs[network].toFixed(1)} ms`);
        log(`  cold start, ${scenario} token, ${network}: ${SDKS.map((s) => `${s} ${bySdk[s].medianMs[network].toFixed(1)} ms (${bySdk[s].requestsOfLastLoad.join(', ') || 'no requests'})`).join('; ')}`);
      }
    }
    log(`  script compile + execute (loopback loads): ${SDKS.map((s) => `${s} ${result.scenarios.valid[s].scriptMedianMs.toFixed(2)} ms`).join(', ')}`);
    return result;
  } finally {
    await Promise.all(contexts.map((c) => c.close()));
    await Promise.all(Object.values(mocks).map((m) => m.close()));
  }
}
