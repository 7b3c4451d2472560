// Browser phase, headless Chromium (system Chromium when present):
//  1. cache-hit latency of getTokenSilently: rotor-auth vs auth0-spa-js on
//     localStorage (the goal), plus each on its default memory cache and
//     rotor-auth on IndexedDB, all clients in ONE page, alternating batches;
//  2. forced refresh (cacheMode 'off') on memory, localStorage and IndexedDB
//     (and with DPoP when the SDK has it) vs a bare fetch of the very request
//     rotor-auth sent, each on its own rotation chain, the order of the
//     variants rotated every round; plus the ID-token check and DPoP proof
//     costs measured apart;
//  3. token requests after expiry (bench/counts.mjs);
//  4. cold start: navigation → first token (bench/coldstart.mjs).
// Every login is a real code + PKCE login against the mock server; each
// client gets its own client id so no two share a lock, a key or a family.
import { startStaticServer } from './lib/static-server.mjs';
import { startMockServer } from './servers/mock.mjs';
import { keepAliveAgent, loginWithCode } from './lib/http-client.mjs';
import { median } from './lib/stats.mjs';
import { clientConfig, evaluate, inPageLogin, launchOptions, openBenchPage, watchTokenRequests } from './lib/page.mjs';
import { countVariants, measureCounts } from './counts.mjs';
import { measureColdStart } from './coldstart.mjs';

/** Clients of the latency page; `goal` marks the pair the cache-hit goal compares. */
const LATENCY_CLIENTS = [
  { label: 'rotor-auth (localstorage)', sdk: 'rotor-auth', cacheLocation: 'localstorage' },
  { label: 'auth0-spa-js (localstorage)', sdk: 'auth0-spa-js', cacheLocation: 'localstorage' },
  { label: 'rotor-auth (memory)', sdk: 'rotor-auth', cacheLocation: 'memory' },
  { label: 'rotor-auth (indexeddb)', sdk: 'rotor-auth', cacheLocation: 'indexeddb' },
  { label: 'auth0-spa-js (memory + worker, default)', sdk: 'auth0-spa-js', cacheLocation: 'memory' },
];
const DPOP_CLIENTS = ['memory', 'localstorage', 'indexeddb'].map((cacheLocation) => (
  { label: `rotor-auth (${cacheLocation}, DPoP)`, sdk: 'rotor-auth', cacheLocation, useDpop: true, dpopOf: `rotor-auth (${cacheLocation})` }
));
const BARE = 'bare fetch';
/** First line of an error, without Playwright's "page.evaluate: " prefix. */
const short = (err) => err.message.split('\n')[0].replace(/^page\.evaluate: /, '');

/** A mock server with one public client per benchmark client (ids bench-0, bench-1, …). */
function benchClients(n) {
  return Array.from({ length: n }, (_, i) => ({ clientId: `bench-${i}`, name: `bench ${i}`, redirectUris: [], allowLoopbackRedirects: true }));
}

async function latencyPhase(browser, app, opts, log) {
  const all = [...LATENCY_CLIENTS, ...DPOP_CLIENTS];
  const mock = await startMockServer({ clients: benchClients(all.length) });
  const context = await browser.newContext();
  const out = { clients: {}, dpop: { available: false } };
  try {
    const page = await context.newPage();
    const seen = watchTokenRequests(context, mock);
    await openBenchPage(page, app);
    out.crossOriginIsolated = await page.evaluate(() => window.bench.crossOriginIsolated);
    const ready = [];
    for (const [i, c] of all.entries()) {
      const cfg = { ...clientConfig(mock, c.cacheLocation, c.useDpop ? { useDpop: true } : {}), clientId: `bench-${i}` };
      try {
        await inPageLogin(page, app, c.label, c.sdk, cfg);
        if (c.useDpop && !(await page.evaluate((n) => window.bench.hasDpopApi(n), c.label))) throw new Error('the client has no generateDpopProof');
        ready.push(c);
      } catch (err) {
        out.clients[c.label] = { error: `setup or login: ${short(err)}` };
        if (!c.useDpop) log(`  ${c.label}: login failed: ${short(err)}`);
      }
    }
    // DPoP counts as available only if the refresh request really carries a proof
    const dpopReady = ready.filter((c) => c.useDpop);
    if (dpopReady.length) {
      const before = seen.requests.length;
      await evaluate(page, (n) => window.bench.forcedRefresh(n), dpopReady[0].label, 'DPoP probe refresh');
      const req = seen.requests.slice(before).find((r) => (r.postData() ?? '').includes('refresh_token'));
      const headers = req ? await req.allHeaders() : {};
      if (headers.dpop) out.dpop = { available: true };
      else out.dpop = { available: false, reason: 'useDpop accepted but the refresh request carried no DPoP proof' };
    } else {
      out.dpop = { available: false, reason: out.clients[DPOP_CLIENTS[0].label]?.error ?? 'no DPoP client' };
    }
    const active = ready.filter((c) => !c.useDpop || out.dpop.available);
    log(`  clients ready: ${active.map((c) => c.label).join(', ')}; DPoP ${out.dpop.available ? 'available' : `not available (${out.dpop.reason})`}`);

    // 1. cache hits (no DPoP variants: a cache hit sends nothing)
    const hitClients = active.filter((c) => !c.useDpop);
    const batches = Object.fromEntries(hitClients.map((c) => [c.label, []]));
    const postsBefore = seen.posts;
    for (let b = -opts.warmupBatches; b < opts.batches; b += 1) {
      for (let i = 0; i < hitClients.length; i += 1) {
        const c = hitClients[(i + Math.max(b, 0)) % hitClients.length];
        const ms = await evaluate(page, ([n, k]) => window.bench.cacheHitBatch(n, k), [c.label, opts.batchSize], `${c.label} cache hits`);
        if (b >= 0) batches[c.label].push(ms);
      }
    }
    out.tokenRequestsDuringCacheHits = seen.posts - postsBefore;
    for (const c of hitClients) out.clients[c.label] = { sdk: c.sdk, cacheLocation: c.cacheLocation, cacheHitMedianMs: median(batches[c.label]) };
    log(`  cache hit medians: ${hitClients.map((c) => `${c.label} ${(out.clients[c.label].cacheHitMedianMs * 1000).toFixed(1)} µs`).join(', ')}`);

    // 2. forced refresh
    out.refresh = await refreshPhase(page, context, mock, app, active, opts, seen, log);
    for (const c of active) {
      out.clients[c.label] = { ...out.clients[c.label], sdk: c.sdk, cacheLocation: c.cacheLocation, useDpop: !!c.useDpop, ...out.refresh.byClient[c.label] };
    }
  } finally {
    await context.close();
    await mock.close();
  }
  return out;
}

async function refreshPhase(page, context, mock, app, clients, opts, seen, log) {
  const base = clients.find((c) => c.label === 'rotor-auth (localstorage)') ?? clients.find((c) => c.sdk === 'rotor-auth' && !c.useDpop);
  if (!base) throw new Error('no rotor-auth client logged in');
  // capture exactly what rotor-auth sends for a refresh
  const before = seen.requests.length;
  await evaluate(page, (n) => window.bench.forcedRefresh(n), base.label, 'rotor forced refresh');
  const captured = seen.requests.slice(before).find((r) => (r.postData() ?? '').includes('refresh_token'));
  if (!captured) throw new Error('no refresh_token request seen from rotor-auth');
  const headers = await captured.allHeaders();
  const keep = Object.fromEntries(Object.entries(headers).filter(([k]) =>
    !/^(user-agent|referer|origin|accept|accept-language|accept-encoding|host|connection|content-length|cookie|sec-.*)$/i.test(k)));
  const contentType = headers['content-type'] ?? '';
  const req = { url: captured.url(), headers: keep, body: captured.postData(), kind: contentType.includes('json') ? 'json' : 'form' };
  const clientId = new URLSearchParams(req.kind === 'form' ? req.body : '').get('client_id') ?? JSON.parse(req.kind === 'json' ? req.body : '{}').client_id;

  // the bare chain gets its own family of the same client, logged in from Node
  const agent = keepAliveAgent(1);
  let rt;
  try {
    const tokens = await loginWithCode(agent, {
      authorizeUrl: `${mock.url}/authorize`, tokenUrl: `${mock.url}/oauth/token`, clientId,
      redirectUri: `${app.origin}/bench.html`, scope: 'openid profile offline_access', extra: { audience: 'https://api.rotor.test' },
    });
    rt = tokens.refresh_token;
  } finally {
    agent.destroy();
  }

  const names = [BARE, ...clients.map((c) => c.label)];
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const requestsPer = Object.fromEntries(clients.map((c) => [c.label, []]));
  const idTokens = [];
  let counting = 0;
  context.on('request', (r) => { if (r.url().startsWith(mock.url)) counting += 1; });
  for (let i = -opts.refreshWarmup; i < opts.refreshes; i += 1) {
    const round = i + opts.refreshWarmup;
    for (let k = 0; k < names.length; k += 1) {
      const name = names[(k + round) % names.length];
      if (name === BARE) {
        const bare = await evaluate(page, ([r, t]) => window.bench.bareRefresh(r, t), [req, rt], 'bare refresh');
        rt = bare.refreshToken;
        if (i >= 0) {
          samples[BARE].push(bare.ms);
          if (bare.idToken) idTokens.push(bare.idToken);
        }
      } else {
        const c0 = counting;
        const ms = await evaluate(page, (n) => window.bench.forcedRefresh(n), name, `${name} forced refresh`);
        if (i >= 0) {
          samples[name].push(ms);
          requestsPer[name].push(counting - c0);
        }
      }
    }
  }
  const { importMs, verifyMs } = idTokens.length
    ? await evaluate(page, ([u, t]) => window.bench.verifyCost(u, t), [`${mock.url}/.well-known/jwks.json`, idTokens.slice(0, 40)], 'verify cost')
    : { importMs: [], verifyMs: [] };
  const locks = await evaluate(page, (n) => window.bench.lockCost(n), 40, 'lock cost');
  const idb = await evaluate(page, (n) => window.bench.idbCost(n), 40, 'IndexedDB cost');
  const byClient = {};
  for (const c of clients) {
    byClient[c.label] = {
      refreshMedianMs: median(samples[c.label]),
      requestsPerRefreshMedian: c.sdk === 'rotor-auth' ? median(requestsPer[c.label]) : undefined,
      requestsPerRefreshMax: c.sdk === 'rotor-auth' ? Math.max(...requestsPer[c.label]) : undefined,
    };
    if (c.useDpop) {
      const proofs = await evaluate(page, ([n, u, k]) => window.bench.proofCost(n, u, k), [c.label, req.url, 30], 'DPoP proof cost');
      byClient[c.label].proofMedianMs = median(proofs.slice(5));
      byClient[c.label].dpopOf = c.dpopOf;
    }
  }
  const result = {
    request: { url: req.url, kind: req.kind, fields: req.kind === 'json' ? Object.keys(JSON.parse(req.body)) : [...new URLSearchParams(req.body).keys()], headers: Object.keys(keep) },
    bareFetchMedianMs: median(samples[BARE]),
    idTokenVerifyMedianMs: verifyMs.length ? median(verifyMs) : null,
    jwkImportMedianMs: importMs.length ? median(importMs) : null,
    lockRequestMedianMs: median(locks.requestMs),
    lockQueryMedianMs: median(locks.queryMs),
    idbReadMedianMs: median(idb.readMs.slice(5)),
    idbWriteMedianMs: median(idb.writeMs.slice(5)),
    samples: samples[BARE].length,
    order: 'rotated by one each round',
    byClient,
  };
  log(`  forced refresh medians: bare fetch ${result.bareFetchMedianMs.toFixed(2)} ms, ${clients.map((c) => `${c.label} ${byClient[c.label].refreshMedianMs.toFixed(2)} ms`).join(', ')}`);
  return result;
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
      const results = await Promise.all(pages.map((p) => p.evaluate((v) => navigator.locks.request('bench-probe', async () => {
        if (Number(localStorage.getItem('bench-probe')) !== v) return 'fresh';
        await new Promise((res) => setTimeout(res, 5));
        localStorage.setItem('bench-probe', String(v + 1));
        return 'wrote';
      }), r * 10)));
      if (results.filter((x) => x === 'wrote').length > 1) stale += 1;
    }
    return { rounds, roundsWithStaleRead: stale };
  } finally {
    await context.close();
  }
}

async function step(name, fn, log) {
  try {
    return await fn();
  } catch (err) {
    log(`  ${name} failed: ${err.stack ?? err.message}`);
    return { error: err.message.split('\n')[0] };
  }
}

export async function measureBrowser({
  batches = 60, batchSize = 100, warmupBatches = 5, refreshes = 40, refreshWarmup = 5, concurrent = 100, tabs = 5, trials = 5,
  countBudgetMs = 90_000, coldTrials = 12, log = () => {},
} = {}) {
  const { chromium } = await import('@playwright/test'); // npm may nest playwright-core under playwright: ask the package that is installed at the top
  const browser = await chromium.launch(launchOptions());
  const app = await startStaticServer();
  const opts = { batches, batchSize, warmupBatches, refreshes, refreshWarmup, concurrent, tabs, trials, coldTrials };
  try {
    const result = { browser: `Chromium ${browser.version()}`, opts };
    result.latency = await step('latency phase', () => latencyPhase(browser, app, opts, log), log);
    const variants = countVariants(!!result.latency?.dpop?.available);
    result.counts = await step('count phase', () => measureCounts(browser, app, opts, variants, log, performance.now() + countBudgetMs), log);
    result.storageProbe = await step('storage probe', () => storageProbe(browser, app, 30), log);
    result.coldStart = await step('cold start', () => measureColdStart(browser, app, { trials: coldTrials, log }), log);
    return result;
  } finally {
    await browser.close();
    await app.close();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  console.log(JSON.stringify(await measureBrowser({ log: console.log }), null, 2));
}
