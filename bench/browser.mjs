// Browser phase, headless Chromium (system Chromium when present):
//  1. cache-hit latency of getTokenSilently, rotor-auth vs auth0-spa-js, both
//     in ONE page against the same cached state (each logged in by a real
//     redirect login against the mock server, both with localStorage caches);
//  2. forced refresh through rotor-auth (cacheMode 'off') vs a bare fetch of
//     the very request rotor-auth sent (captured), on its own rotation chain,
//     plus the WebCrypto cost of verifying the returned ID token;
//  3. after expiry: 100 concurrent calls in one page, then 5 tabs (pages of one
//     context sharing localStorage) at once → token requests, counted from the
//     mock server's `token_request` events (and cross-checked in the browser).
// Expiry is reached by advancing the context's clock (Playwright clock) and
// the mock server's clock by the same amount, so no real waiting.
import { existsSync } from 'node:fs';
import { startStaticServer } from './lib/static-server.mjs';
import { startMockServer, MOCK_CLIENT } from './servers/mock.mjs';
import { keepAliveAgent, loginWithCode } from './lib/http-client.mjs';
import { median, withTimeout } from './lib/stats.mjs';

export const SDKS = ['rotor-auth', 'auth0-spa-js'];
/** rotor-auth on its default cache (memory), measured beside the localStorage pair. */
const MEMORY_CLIENT = 'rotor-auth (memory)';
/** Count scenarios: the two SDKs like for like (localStorage), plus rotor-auth on IndexedDB. */
export const COUNT_VARIANTS = [
  { label: 'rotor-auth', sdk: 'rotor-auth', cacheLocation: 'localstorage' },
  { label: 'auth0-spa-js', sdk: 'auth0-spa-js', cacheLocation: 'localstorage' },
  { label: 'rotor-auth (indexeddb)', sdk: 'rotor-auth', cacheLocation: 'indexeddb', trialShare: 0.5 },
];
const STEP_TIMEOUT = 30_000;

export function launchOptions() {
  const executablePath = existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
  return {
    headless: true,
    executablePath,
    chromiumSandbox: false,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  };
}

function clientConfig(mock, cacheLocation = 'localstorage') {
  return {
    mockOrigin: mock.url,
    clientId: MOCK_CLIENT.clientId,
    audience: MOCK_CLIENT.extra.audience,
    scope: MOCK_CLIENT.scope,
    cacheLocation,
  };
}

/** Mock-server event bookkeeping: a mark, then what happened since. */
function lastSeq(mock) {
  const events = mock.mock.control.events();
  return events.length ? events[events.length - 1].seq : 0;
}
function eventsSince(mock, seq) {
  const events = mock.mock.control.events({ since: seq });
  const tokenRequests = events.filter((e) => e.type === 'token_request');
  return {
    refreshRequests: tokenRequests.filter((e) => e.grant_type === 'refresh_token').length,
    tokenRequests: tokenRequests.length,
    reuseDetected: events.filter((e) => e.type === 'refresh_token.reuse_detected').length,
  };
}

const evaluate = (page, fn, arg, what) => withTimeout(page.evaluate(fn, arg), STEP_TIMEOUT, what);

async function openBenchPage(page, app) {
  await page.goto(`${app.origin}/bench.html`);
  await page.waitForFunction(() => !!window.bench);
}

/** A real redirect login of `sdk` in `page`: loginWithRedirect → /authorize (auto-login) → callback. */
async function redirectLogin(page, app, sdk, cfg, name = 'login') {
  await openBenchPage(page, app);
  await evaluate(page, ([n, s, c]) => window.bench.setup(n, s, c), [name, sdk, cfg], `${sdk} setup`);
  await page.evaluate((n) => window.bench.login(n), name);
  await page.waitForURL((u) => u.pathname === '/bench.html' && (u.searchParams.has('code') || u.searchParams.has('error')), { timeout: STEP_TIMEOUT });
  await page.waitForFunction(() => !!window.bench);
  await evaluate(page, ([n, s, c]) => window.bench.setup(n, s, c), [name, sdk, cfg], `${sdk} setup`);
  const ok = await evaluate(page, (n) => window.bench.callback(n), name, `${sdk} callback`);
  if (!ok) throw new Error(`${sdk}: not authenticated after the redirect login`);
}

/** Watches POSTs to the token endpoint from the browser side. */
function watchTokenRequests(context, mock) {
  const seen = [];
  context.on('request', (req) => {
    if (req.method() === 'POST' && req.url() === `${mock.url}/oauth/token`) seen.push(req);
  });
  return seen;
}

async function latencyPhase(browser, app, opts, log) {
  const mock = await startMockServer();
  let context;
  const out = { sdks: {} };
  try {
    context = await browser.newContext();
    const cfg = clientConfig(mock);
    const page = await context.newPage();
    const browserSeen = watchTokenRequests(context, mock);
    const ready = [];
    for (const sdk of SDKS) {
      try {
        await redirectLogin(page, app, sdk, cfg);
        ready.push(sdk);
      } catch (err) {
        out.sdks[sdk] = { error: `login: ${err.message}` };
        log(`  ${sdk}: login failed: ${err.message}`);
      }
    }
    // One page load holding every client. rotor-auth's default memory cache
    // can't survive a reload, so that client logs in by a redirect in this
    // very page load; then both localStorage clients read their cached tokens.
    const names = [...ready];
    let memoryReady = false;
    if (ready.includes('rotor-auth')) {
      try {
        await redirectLogin(page, app, 'rotor-auth', { ...cfg, cacheLocation: 'memory' }, MEMORY_CLIENT);
        memoryReady = true;
        names.push(MEMORY_CLIENT);
      } catch (err) {
        out.sdks[MEMORY_CLIENT] = { error: `login: ${err.message.split('\n')[0]}` };
      }
    }
    if (!memoryReady) await openBenchPage(page, app);
    out.crossOriginIsolated = await page.evaluate(() => window.bench.crossOriginIsolated);
    for (const sdk of ready) await evaluate(page, ([s, c]) => window.bench.setup(s, s, c), [sdk, cfg], 'setup');

    // 1. cache hits: warm up, then alternate batches so all see the same noise
    const mark = lastSeq(mock);
    const batches = Object.fromEntries(names.map((s) => [s, []]));
    for (let b = -opts.warmupBatches; b < opts.batches; b += 1) {
      for (const sdk of names) {
        const ms = await evaluate(page, ([s, n]) => window.bench.cacheHitBatch(s, n), [sdk, opts.batchSize], `${sdk} cache hits`);
        if (b >= 0) batches[sdk].push(ms);
      }
    }
    const during = eventsSince(mock, mark);
    for (const sdk of names) {
      out.sdks[sdk] = {
        cacheHitMedianMs: median(batches[sdk]),
        cacheHitBatchMs: batches[sdk],
        calls: opts.batches * opts.batchSize,
      };
    }
    out.tokenRequestsDuringCacheHits = during.tokenRequests;
    log(`  cache hit medians: ${names.map((s) => `${s} ${(out.sdks[s].cacheHitMedianMs * 1000).toFixed(1)} µs`).join(', ')}`);

    // 2. forced refresh vs bare fetch of the same request
    if (ready.includes('rotor-auth')) {
      out.refresh = await refreshPhase(page, context, mock, app, ready, opts, browserSeen, log, memoryReady);
    }
  } finally {
    await context?.close();
    await mock.close();
  }
  return out;
}

async function refreshPhase(page, context, mock, app, ready, opts, browserSeen, log, memoryReady) {
  // capture exactly what rotor-auth sends for a refresh
  const before = browserSeen.length;
  await evaluate(page, () => window.bench.forcedRefresh('rotor-auth'), undefined, 'rotor forced refresh');
  const captured = browserSeen.slice(before).find((r) => (r.postData() ?? '').includes('refresh_token'));
  if (!captured) throw new Error('no refresh_token request seen from rotor-auth');
  const headers = await captured.allHeaders();
  const keep = Object.fromEntries(Object.entries(headers).filter(([k]) =>
    !/^(user-agent|referer|origin|accept|accept-language|accept-encoding|host|connection|content-length|cookie|sec-.*)$/i.test(k)));
  const contentType = headers['content-type'] ?? '';
  const req = { url: captured.url(), headers: keep, body: captured.postData(), kind: contentType.includes('json') ? 'json' : 'form' };

  // the bare chain gets its own family, logged in from Node
  const agent = keepAliveAgent(1);
  let rt;
  try {
    const tokens = await loginWithCode(agent, {
      authorizeUrl: `${mock.url}/authorize`, tokenUrl: `${mock.url}/oauth/token`, clientId: MOCK_CLIENT.clientId,
      redirectUri: `${app.origin}/bench.html`, scope: MOCK_CLIENT.scope, extra: MOCK_CLIENT.extra,
    });
    rt = tokens.refresh_token;
  } finally {
    agent.destroy();
  }

  const sdkMs = [];
  const bareMs = [];
  const auth0Ms = [];
  const memoryMs = [];
  const idTokens = [];
  const requestsPerRotorRefresh = [];
  const pathsSeen = new Map();
  const onRequest = (r) => {
    const u = new URL(r.url());
    if (u.origin === mock.url) pathsSeen.set(u.pathname, (pathsSeen.get(u.pathname) ?? 0) + 1);
  };
  for (let i = -opts.refreshWarmup; i < opts.refreshes; i += 1) {
    pathsSeen.clear();
    context.on('request', onRequest);
    const sdk = await evaluate(page, () => window.bench.forcedRefresh('rotor-auth'), undefined, 'rotor forced refresh');
    context.off('request', onRequest);
    requestsPerRotorRefresh.push([...pathsSeen.values()].reduce((a, b) => a + b, 0));
    const bare = await evaluate(page, ([r, t]) => window.bench.bareRefresh(r, t), [req, rt], 'bare refresh');
    rt = bare.refreshToken;
    let a0;
    if (ready.includes('auth0-spa-js')) a0 = await evaluate(page, () => window.bench.forcedRefresh('auth0-spa-js'), undefined, 'auth0 forced refresh');
    // rotor-auth on its memory cache: no localStorage, no cross-tab lock; isolates what those cost
    let mem;
    if (memoryReady) mem = await evaluate(page, (n) => window.bench.forcedRefresh(n), MEMORY_CLIENT, 'rotor memory forced refresh');
    if (i >= 0) {
      sdkMs.push(sdk);
      bareMs.push(bare.ms);
      if (a0 !== undefined) auth0Ms.push(a0);
      if (mem !== undefined) memoryMs.push(mem);
      if (bare.idToken) idTokens.push(bare.idToken);
    }
  }
  const { importMs, verifyMs } = idTokens.length
    ? await evaluate(page, ([u, t]) => window.bench.verifyCost(u, t), [`${mock.url}/.well-known/jwks.json`, idTokens], 'verify cost')
    : { importMs: [], verifyMs: [] };
  const locks = await evaluate(page, (n) => window.bench.lockCost(n), 40, 'lock cost');
  const result = {
    lockRequestMedianMs: median(locks.requestMs),
    lockQueryMedianMs: median(locks.queryMs),
    request: { url: req.url, kind: req.kind, fields: req.kind === 'json' ? Object.keys(JSON.parse(req.body)) : [...new URLSearchParams(req.body).keys()], headers: Object.keys(keep) },
    rotorMedianMs: median(sdkMs),
    bareFetchMedianMs: median(bareMs),
    auth0MedianMs: auth0Ms.length ? median(auth0Ms) : null,
    rotorMemoryMedianMs: memoryMs.length ? median(memoryMs) : null,
    idTokenVerifyMedianMs: verifyMs.length ? median(verifyMs) : null,
    jwkImportMedianMs: importMs.length ? median(importMs) : null,
    requestsPerRotorRefresh: median(requestsPerRotorRefresh),
    maxRequestsPerRotorRefresh: Math.max(...requestsPerRotorRefresh),
    samples: sdkMs.length,
  };
  log(`  forced refresh: rotor ${result.rotorMedianMs.toFixed(2)} ms, bare fetch ${result.bareFetchMedianMs.toFixed(2)} ms, verify ${result.idTokenVerifyMedianMs?.toFixed(3)} ms (+ key import ${result.jwkImportMedianMs?.toFixed(3)} ms), auth0 ${result.auth0MedianMs?.toFixed(2)} ms, rotor on memory cache ${result.rotorMemoryMedianMs?.toFixed(2)} ms, Web Lock request ${result.lockRequestMedianMs.toFixed(3)} ms, query ${result.lockQueryMedianMs.toFixed(3)} ms`);
  return result;
}

/**
 * One trial after expiry: 100 concurrent calls in one page, then (after a
 * second expiry) one call in each of 5 tabs at once. Fresh mock server and
 * fresh context per trial, so a trial that ends in reuse detection can't
 * spoil the next one.
 */
async function countTrial(browser, app, variant, opts) {
  const { sdk } = variant;
  const ttl = 3600; // the mock server's default access-token lifetime
  const jump = ttl + 300;
  const result = {};
  let mock;
  let context;
  try {
    mock = await startMockServer();
    context = await browser.newContext();
    await context.clock.install();
    const browserSeen = watchTokenRequests(context, mock);
    const cfg = clientConfig(mock, variant.cacheLocation);
    const first = await context.newPage();
    await redirectLogin(first, app, sdk, cfg);
    await evaluate(first, ([s, c]) => window.bench.setup('c', s, c), [sdk, cfg], 'setup');
    const warm = await evaluate(first, () => window.bench.oneCall('c'), undefined, 'first call');
    if (!warm.ok) throw new Error(`first getTokenSilently failed: ${warm.error}`);

    const expire = async () => {
      await context.clock.fastForward(jump * 1000);
      mock.mock.control.advanceClock(jump);
    };

    // 100 concurrent calls in one page
    await expire();
    let mark = lastSeq(mock);
    let seenBefore = browserSeen.length;
    const conc = await evaluate(first, ([n]) => window.bench.concurrent('c', n), [opts.concurrent], 'concurrent calls');
    result.concurrent = { ...conc, ...eventsSince(mock, mark), browserSeenRequests: browserSeen.length - seenBefore };

    // 5 tabs in one context (shared localStorage), all asking at once
    const pages = [first];
    for (let i = 1; i < opts.tabs; i += 1) {
      const p = await context.newPage();
      await openBenchPage(p, app);
      await evaluate(p, ([s, c]) => window.bench.setup('c', s, c), [sdk, cfg], 'setup');
      pages.push(p);
    }
    await expire();
    mark = lastSeq(mock);
    seenBefore = browserSeen.length;
    const outcomes = await withTimeout(Promise.all(pages.map((p) => p.evaluate(() => window.bench.oneCall('c')))), STEP_TIMEOUT, 'tabs');
    const ok = outcomes.filter((o) => o.ok);
    result.tabs = {
      fulfilled: ok.length,
      distinctTokens: new Set(ok.map((o) => o.token)).size,
      errors: [...new Set(outcomes.filter((o) => !o.ok).map((o) => o.error))],
      ...eventsSince(mock, mark),
      browserSeenRequests: browserSeen.length - seenBefore,
    };
  } catch (err) {
    result.error = err.message.split('\n')[0];
  } finally {
    await context?.close();
    await mock?.close();
  }
  return result;
}

/** Sums trials of one scenario into what the report shows. */
function aggregate(trials, key, calls) {
  const runs = trials.map((t) => t[key]).filter(Boolean);
  if (runs.length === 0) return undefined;
  return {
    calls,
    trials: runs.length,
    requestsPerTrial: runs.map((r) => r.refreshRequests),
    refreshRequests: Math.max(...runs.map((r) => r.refreshRequests)),
    fulfilled: runs.reduce((a, r) => a + r.fulfilled, 0),
    expected: runs.length * calls,
    distinctTokensPerTrial: runs.map((r) => r.distinctTokens),
    reuseDetected: runs.reduce((a, r) => a + r.reuseDetected, 0),
    browserSeenRequests: runs.map((r) => r.browserSeenRequests),
    errors: [...new Set(runs.flatMap((r) => r.errors))],
  };
}

async function countPhase(browser, app, opts, log, deadline) {
  const trials = Object.fromEntries(COUNT_VARIANTS.map((v) => [v.label, []]));
  for (let t = 0; t < opts.trials; t += 1) {
    // bounded in time as well as in count: on a loaded machine, fewer trials
    if (t > 0 && performance.now() > deadline) {
      log(`  count trials stopped after ${t} (time budget)`);
      break;
    }
    for (const v of COUNT_VARIANTS) {
      if (t < Math.ceil(opts.trials * (v.trialShare ?? 1))) trials[v.label].push(await countTrial(browser, app, v, opts));
    }
  }
  const out = {};
  for (const sdk of Object.keys(trials)) {
    const errors = [...new Set(trials[sdk].map((t) => t.error).filter(Boolean))];
    out[sdk] = {
      concurrent: aggregate(trials[sdk], 'concurrent', opts.concurrent),
      tabs: aggregate(trials[sdk], 'tabs', opts.tabs),
      ...(errors.length ? { error: errors.join('; ') } : {}),
    };
    for (const key of ['concurrent', 'tabs']) {
      const a = out[sdk][key];
      if (a) log(`  ${sdk}: ${key === 'tabs' ? `${opts.tabs} tabs` : `${opts.concurrent} concurrent`} → refresh requests per trial ${a.requestsPerTrial.join('/')}, ${a.fulfilled}/${a.expected} ok, ${a.reuseDetected} reuse detections${a.errors.length ? `, errors ${a.errors.join('; ')}` : ''}`);
    }
    if (errors.length) log(`  ${sdk}: trial failures: ${errors.join('; ')}`);
  }
  return out;
}

/**
 * Environment probe behind the tab counts: 5 tabs of one context take a Web
 * Lock in turn; the first to see the round's old localStorage value "refreshes"
 * (writes a new one) inside the lock. A later holder that still reads the old
 * value saw a stale localStorage right after the lock was handed over.
 */
async function storageProbe(browser, app, rounds) {
  const context = await browser.newContext();
  try {
    const pages = [];
    for (let i = 0; i < 5; i += 1) {
      const p = await context.newPage();
      await openBenchPage(p, app);
      pages.push(p);
    }
    let stale = 0;
    for (let r = 0; r < rounds; r += 1) {
      await pages[0].evaluate((v) => localStorage.setItem('bench-probe', String(v)), r * 10);
      await new Promise((res) => setTimeout(res, 20));
      const seen = await withTimeout(Promise.all(pages.map((p) => p.evaluate((v) => navigator.locks.request('bench-probe', async () => {
        if (Number(localStorage.getItem('bench-probe')) !== v) return 'fresh';
        await new Promise((res) => setTimeout(res, 5));
        localStorage.setItem('bench-probe', String(v + 1));
        return 'wrote';
      }), r * 10))), STEP_TIMEOUT, 'storage probe');
      if (seen.filter((x) => x === 'wrote').length > 1) stale += 1;
    }
    return { rounds, roundsWithStaleRead: stale };
  } finally {
    await context.close();
  }
}

export async function measureBrowser({
  batches = 80, batchSize = 100, warmupBatches = 5, refreshes = 60, refreshWarmup = 5, concurrent = 100, tabs = 5, trials = 10,
  countBudgetMs = 120_000, log = () => {},
} = {}) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch(launchOptions());
  const app = await startStaticServer();
  const opts = { batches, batchSize, warmupBatches, refreshes, refreshWarmup, concurrent, tabs, trials };
  try {
    const result = { browser: `Chromium ${browser.version()}`, opts };
    try {
      result.latency = await latencyPhase(browser, app, opts, log);
    } catch (err) {
      result.latency = { error: err.message.split('\n')[0] };
      log(`  latency phase failed: ${err.message}`);
    }
    result.counts = await countPhase(browser, app, opts, log, performance.now() + countBudgetMs);
    try {
      result.storageProbe = await storageProbe(browser, app, 40);
      log(`  storage probe: stale localStorage read after a Web Lock handoff in ${result.storageProbe.roundsWithStaleRead}/${result.storageProbe.rounds} rounds`);
    } catch (err) {
      result.storageProbe = { error: err.message.split('\n')[0] };
    }
    return result;
  } finally {
    await browser.close();
    await app.close();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  console.log(JSON.stringify(await measureBrowser({ log: console.log }), null, 2));
}
