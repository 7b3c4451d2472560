// Token requests after expiry: 100 concurrent getTokenSilently() calls in one
// page, then one call in each of 5 tabs (pages of one context) at once.
// Counted from the mock server's events (refresh token requests, rotations,
// reuse detections) and cross-checked in the browser; DPoP nonce challenges
// (`use_dpop_nonce` answers) are counted apart, not as refreshes.
// Expiry is reached by advancing the context's clock (Playwright clock) and
// the mock server's clock by the same amount, so no real waiting.
import { startMockServer } from './servers/mock.mjs';
import { withTimeout } from './lib/stats.mjs';
import {
  STEP_TIMEOUT, clientConfig, evaluate, eventsSince, inPageLogin, lastSeq, openBenchPage, watchTokenRequests,
} from './lib/page.mjs';

/**
 * Every cache location for 100 concurrent calls; localStorage and IndexedDB
 * (with and without DPoP) for 5 tabs; auth0-spa-js on localStorage and in its
 * default mode (memory cache + token worker) as anchors.
 */
export function countVariants(dpopAvailable) {
  const v = [
    { label: 'rotor-auth (memory)', sdk: 'rotor-auth', cacheLocation: 'memory', tabs: false },
    { label: 'rotor-auth (localstorage)', sdk: 'rotor-auth', cacheLocation: 'localstorage', tabs: true },
    { label: 'rotor-auth (indexeddb)', sdk: 'rotor-auth', cacheLocation: 'indexeddb', tabs: true },
    { label: 'auth0-spa-js (localstorage)', sdk: 'auth0-spa-js', cacheLocation: 'localstorage', tabs: true },
    { label: 'auth0-spa-js (memory + worker, default)', sdk: 'auth0-spa-js', cacheLocation: 'memory', tabs: false },
  ];
  if (dpopAvailable) {
    v.push(
      { label: 'rotor-auth (localstorage, DPoP)', sdk: 'rotor-auth', cacheLocation: 'localstorage', useDpop: true, tabs: true },
      { label: 'rotor-auth (indexeddb, DPoP)', sdk: 'rotor-auth', cacheLocation: 'indexeddb', useDpop: true, tabs: true },
    );
  }
  return v;
}

async function countTrial(browser, app, variant, opts) {
  const { sdk } = variant;
  const jump = 3600 + 300; // past the mock server's default access-token lifetime (3600 s) and the 60 s leeway
  const result = {};
  let mock;
  let context;
  try {
    mock = await startMockServer();
    context = await browser.newContext();
    await context.clock.install();
    const seen = watchTokenRequests(context, mock);
    const cfg = clientConfig(mock, variant.cacheLocation, variant.useDpop ? { useDpop: true } : {});
    const first = await context.newPage();
    await openBenchPage(first, app);
    await inPageLogin(first, app, 'c', sdk, cfg);
    const warm = await evaluate(first, () => window.bench.oneCall('c'), undefined, 'first call');
    if (!warm.ok) throw new Error(`first getTokenSilently failed: ${warm.error}`);

    const expire = async () => {
      await context.clock.fastForward(jump * 1000);
      mock.mock.control.advanceClock(jump);
    };
    const snapshot = () => ({ seq: lastSeq(mock), posts: seen.posts, nonces: seen.nonceChallenges });
    const since = (s) => {
      const ev = eventsSince(mock, s.seq);
      const nonceChallenges = seen.nonceChallenges - s.nonces;
      // A nonce challenge is a token request the server answered without
      // rotating. Whether the server logs it as a token_request or not, only
      // requests beyond the rotations can be challenges, so at most that many
      // are taken off the server's count.
      const challengesLogged = Math.max(0, Math.min(nonceChallenges, ev.refreshRequests - ev.rotations));
      return {
        ...ev,
        nonceChallenges,
        refreshRequests: ev.refreshRequests - challengesLogged,
        browserSeenRequests: seen.posts - s.posts,
      };
    };

    await expire();
    let mark = snapshot();
    const conc = await evaluate(first, ([n]) => window.bench.concurrent('c', n), [opts.concurrent], 'concurrent calls');
    result.concurrent = { ...conc, ...since(mark) };

    if (variant.tabs) {
      const pages = [first];
      for (let i = 1; i < opts.tabs; i += 1) {
        const p = await context.newPage();
        await openBenchPage(p, app);
        await evaluate(p, ([s, c]) => window.bench.setup('c', s, c), [sdk, cfg], 'setup');
        pages.push(p);
      }
      await expire();
      mark = snapshot();
      const outcomes = await withTimeout(Promise.all(pages.map((p) => p.evaluate(() => window.bench.oneCall('c')))), STEP_TIMEOUT, 'tabs');
      const ok = outcomes.filter((o) => o.ok);
      result.tabs = {
        fulfilled: ok.length,
        distinctTokens: new Set(ok.map((o) => o.token)).size,
        errors: [...new Set(outcomes.filter((o) => !o.ok).map((o) => o.error))],
        ...since(mark),
      };
    }
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
    rotationsPerTrial: runs.map((r) => r.rotations),
    fulfilled: runs.reduce((a, r) => a + r.fulfilled, 0),
    expected: runs.length * calls,
    distinctTokensPerTrial: runs.map((r) => r.distinctTokens),
    reuseDetected: runs.reduce((a, r) => a + r.reuseDetected, 0),
    nonceChallenges: runs.reduce((a, r) => a + r.nonceChallenges, 0),
    nonceEvents: runs.reduce((a, r) => a + r.nonceEvents, 0),
    dpopRejected: runs.reduce((a, r) => a + r.dpopRejected, 0),
    browserSeenRequests: runs.map((r) => r.browserSeenRequests),
    errors: [...new Set(runs.flatMap((r) => r.errors))],
  };
}

/**
 * Up to `opts.trials` rounds; each round runs every variant once, in an
 * order rotated by one each round; stops early (whole rounds) at `deadline`.
 */
export async function measureCounts(browser, app, opts, variants, log, deadline) {
  const trials = Object.fromEntries(variants.map((v) => [v.label, []]));
  for (let t = 0; t < opts.trials; t += 1) {
    if (t > 0 && performance.now() > deadline) {
      log(`  count trials stopped after ${t} rounds (time budget)`);
      break;
    }
    for (let i = 0; i < variants.length; i += 1) {
      const v = variants[(i + t) % variants.length];
      trials[v.label].push(await countTrial(browser, app, v, opts));
    }
  }
  const out = {};
  for (const v of variants) {
    const errors = [...new Set(trials[v.label].map((t) => t.error).filter(Boolean))];
    out[v.label] = {
      sdk: v.sdk, cacheLocation: v.cacheLocation, useDpop: !!v.useDpop,
      concurrent: aggregate(trials[v.label], 'concurrent', opts.concurrent),
      tabs: v.tabs ? aggregate(trials[v.label], 'tabs', opts.tabs) : undefined,
      failedTrials: trials[v.label].filter((t) => t.error).length,
      ...(errors.length ? { error: errors.join('; ') } : {}),
    };
    for (const key of ['concurrent', 'tabs']) {
      const a = out[v.label][key];
      if (a) log(`  ${v.label}: ${key === 'tabs' ? `${opts.tabs} tabs` : `${opts.concurrent} concurrent`} → refresh requests per trial ${a.requestsPerTrial.join('/')}, ${a.fulfilled}/${a.expected} ok, ${a.reuseDetected} reuse, ${a.nonceChallenges} nonce challenges${a.errors.length ? `, errors ${a.errors.join('; ')}` : ''}`);
    }
    if (errors.length) log(`  ${v.label}: trial failures: ${errors.join('; ')}`);
  }
  return out;
}
