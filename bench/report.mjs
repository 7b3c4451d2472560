// Turns the collected measurements into rows (metric, rotor-auth, anchor,
// ratio, goal, met?) that bench/report-render.mjs writes as bench/results.md
// and bench/results.svg. Each row names its goal; a row whose measurement is
// missing says what is missing instead of disappearing.
import { THROUGHPUT_PAIRS } from './server-phase.mjs';

export const SIZE_BUDGET = 20_150;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB (${bytes} B)`;
export const fmt = (v, digits = 2) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '—');
const us = (ms) => `${fmt(ms * 1000, 1)} µs`;
const ms = (v, d = 2) => `${fmt(v, d)} ms`;
const commitOf = (r) => r.machine?.commit ?? 'this commit';

function metGoal(goal, value) {
  if (goal.op === '≤') return value <= goal.value;
  if (goal.op === '≥') return value >= goal.value;
  return value === goal.value;
}

function sizeRows(r, add) {
  const size = r.size ?? {};
  const rotor = size['rotor-auth'];
  const a0 = size['auth0-spa-js'];
  const oidc = size['oidc-client-ts'];
  const script = rotor?.script?.gzipBytes;
  const a0Bytes = a0?.script?.gzipBytes;
  add({
    group: 'size',
    metric: 'Script-tag bundle with every feature, min+gzip',
    rotor: script ? kb(script) : (rotor?.error ?? size.error ?? 'n/a'),
    anchor: a0Bytes ? `${kb(a0Bytes)}, auth0-spa-js` : 'n/a',
    ratio: script && a0Bytes ? script / a0Bytes : undefined,
    goal: { op: '≤', value: a0Bytes ? SIZE_BUDGET / a0Bytes : 0.26, text: `≤ ${SIZE_BUDGET.toLocaleString('en-US')} B (${fmt(a0Bytes ? SIZE_BUDGET / a0Bytes : 0.26)}×)` },
    met: script ? script <= SIZE_BUDGET : undefined,
    chart: 'Bundle vs auth0-spa-js',
  });
  const other = (metric, mine, theirs, name) => add({
    group: 'size', metric,
    rotor: mine ? kb(mine) : 'n/a',
    anchor: theirs ? `${kb(theirs)}, ${name}` : 'n/a',
    ratio: mine && theirs ? mine / theirs : undefined,
  });
  other('Script-tag bundle, min+gzip (2nd anchor)', script, oidc?.script?.gzipBytes, 'oidc-client-ts');
  other('Tree-shaken client class, min+gzip', rotor?.treeShaken?.gzipBytes, a0?.treeShaken?.gzipBytes, 'auth0-spa-js `{ Auth0Client }`');
  other('Tree-shaken client class (2nd anchor)', rotor?.treeShaken?.gzipBytes, oidc?.treeShaken?.gzipBytes, 'oidc-client-ts `{ UserManager }`');
}

function cacheHitRows(r, add) {
  const lat = r.browser?.latency ?? {};
  const c = lat.clients ?? {};
  const missing = lat.error ?? r.browser?.error ?? 'n/a';
  const pair = (metric, mine, theirs, extra) => {
    const a = c[mine];
    const b = c[theirs];
    add({
      group: 'cacheHit', metric,
      rotor: a?.cacheHitMedianMs !== undefined ? us(a.cacheHitMedianMs) : (a?.error ?? missing),
      anchor: b?.cacheHitMedianMs !== undefined ? `${us(b.cacheHitMedianMs)}, ${theirs}` : (b?.error ?? missing),
      ratio: a?.cacheHitMedianMs && b?.cacheHitMedianMs ? a.cacheHitMedianMs / b.cacheHitMedianMs : undefined,
      ...extra,
    });
  };
  pair('getTokenSilently cache hit, both on localStorage', 'rotor-auth (localstorage)', 'auth0-spa-js (localstorage)', { goal: { op: '≤', value: 0.4 }, chart: 'Cache hit vs auth0-spa-js' });
  pair('Cache hit, each on its default memory cache', 'rotor-auth (memory)', 'auth0-spa-js (memory + worker, default)');
  pair('Cache hit, rotor-auth on IndexedDB vs auth0-spa-js on localStorage', 'rotor-auth (indexeddb)', 'auth0-spa-js (localstorage)');
}

function refreshRows(r, add) {
  const lat = r.browser?.latency ?? {};
  const ref = lat.refresh;
  const c = lat.clients ?? {};
  const bare = ref?.bareFetchMedianMs;
  for (const cache of ['memory', 'localstorage', 'indexeddb']) {
    const label = `rotor-auth (${cache})`;
    const m = c[label]?.refreshMedianMs;
    add({
      group: 'refresh', cache, metric: `Forced refresh (cacheMode off), rotor-auth on ${cache}, vs a bare fetch of the same request`,
      rotor: m !== undefined ? `${ms(m)} (+${ms(m - bare)} over the fetch)` : (c[label]?.error ?? ref?.error ?? lat.error ?? 'n/a'),
      anchor: bare !== undefined ? `${ms(bare)}, bare fetch` : 'n/a',
      ratio: m !== undefined && bare ? m / bare : undefined, overheadMs: m !== undefined ? m - bare : undefined,
      goal: { op: '≤', value: 1.2 }, chart: `Refresh vs fetch (${cache})`,
    });
  }
  const dpop = lat.dpop;
  for (const cache of ['memory', 'localstorage', 'indexeddb']) {
    const label = `rotor-auth (${cache}, DPoP)`;
    const d = c[label];
    const plain = c[`rotor-auth (${cache})`]?.refreshMedianMs;
    if (!dpop?.available || d?.refreshMedianMs === undefined) {
      add({ group: 'refresh', metric: `Forced refresh with DPoP, rotor-auth on ${cache}`, rotor: `not available at ${commitOf(r)}${dpop?.reason ? ` (${dpop.reason})` : ''}`, anchor: '—' });
      continue;
    }
    const extra = d.refreshMedianMs - plain;
    add({
      group: 'refresh', metric: `Forced refresh with DPoP, rotor-auth on ${cache}, vs a bare fetch (no proof)`,
      rotor: `${ms(d.refreshMedianMs)}; DPoP adds ${ms(extra)} over ${cache} without DPoP: proof signing ${ms(d.proofMedianMs, 3)}, the rest ${ms(extra - d.proofMedianMs)}`,
      anchor: `${ms(bare)}, bare fetch`,
      ratio: d.refreshMedianMs / bare, dpopExtraMs: extra, proofMs: d.proofMedianMs,
    });
  }
  const vsAuth0 = (mine, theirs) => {
    const a = c[mine]?.refreshMedianMs;
    const b = c[theirs]?.refreshMedianMs;
    add({
      group: 'refresh', metric: `Forced refresh, ${mine} vs ${theirs}`,
      rotor: a !== undefined ? ms(a) : 'n/a',
      anchor: b !== undefined ? `${ms(b)}, auth0-spa-js (no ID-token signature check)` : (c[theirs]?.error ?? 'n/a'),
      ratio: a !== undefined && b ? a / b : undefined,
    });
  };
  vsAuth0('rotor-auth (localstorage)', 'auth0-spa-js (localstorage)');
  vsAuth0('rotor-auth (memory)', 'auth0-spa-js (memory + worker, default)');
}

/** One cell for a count scenario: worst trial, failures, reuse, nonce challenges apart. */
export function describeCount(x, err) {
  if (!x) return err ?? 'n/a';
  const parts = [x.trials > 1 ? `max ${x.refreshRequests} (per trial ${x.requestsPerTrial.join('/')})` : `${x.refreshRequests}`];
  if (x.fulfilled !== x.expected) parts.push(`${x.expected - x.fulfilled}/${x.expected} calls failed`);
  parts.push(`${x.reuseDetected} reuse detection${x.reuseDetected === 1 ? '' : 's'}`);
  if (x.nonceChallenges || x.nonceEvents) parts.push(`${x.nonceChallenges} DPoP nonce challenge(s) (not counted as refreshes)`);
  if (x.errors?.length) parts.push(`errors: ${x.errors.join('; ')}`);
  if (err) parts.push(`failed trials: ${err}`);
  return parts.join(', ');
}

function countRows(r, add) {
  const counts = r.browser?.counts ?? {};
  const dpop = r.browser?.latency?.dpop?.available;
  const row = (key, label, anchorLabel, chart) => {
    const v = counts[label];
    const mine = v?.[key];
    const theirs = counts[anchorLabel]?.[key];
    const scenario = key === 'tabs' ? `5 tabs after expiry` : `100 concurrent calls after expiry`;
    const isDpop = label.includes('DPoP');
    if (isDpop && !dpop) {
      add({ group: 'counts', metric: `${scenario}, ${label} → token requests`, rotor: `not available at ${commitOf(r)}`, anchor: '—' });
      return;
    }
    add({
      group: 'counts', metric: `${scenario}, ${label} → refresh token requests`, key, label,
      rotor: describeCount(mine, v?.error ?? counts.error),
      anchor: `${describeCount(theirs, counts[anchorLabel]?.error)}, ${anchorLabel}`,
      ratio: mine ? mine.refreshRequests : undefined, ratioIsCount: true,
      anchorCount: theirs ? theirs.refreshRequests : undefined,
      goal: { op: '=', value: 1, text: '1 per trial, 0 reuse' }, chart,
      met: mine ? mine.requestsPerTrial.every((n) => n === 1) && mine.rotationsPerTrial.every((n) => n === 1)
        && mine.fulfilled === mine.expected && mine.reuseDetected === 0 && !v.failedTrials : undefined,
    });
  };
  row('concurrent', 'rotor-auth (memory)', 'auth0-spa-js (memory + worker, default)', '100 calls (memory)');
  row('concurrent', 'rotor-auth (localstorage)', 'auth0-spa-js (localstorage)', '100 calls (localStorage)');
  row('concurrent', 'rotor-auth (indexeddb)', 'auth0-spa-js (localstorage)', '100 calls (IndexedDB)');
  row('concurrent', 'rotor-auth (localstorage, DPoP)', 'auth0-spa-js (localstorage)', undefined);
  row('concurrent', 'rotor-auth (indexeddb, DPoP)', 'auth0-spa-js (localstorage)', undefined);
  row('tabs', 'rotor-auth (localstorage)', 'auth0-spa-js (localstorage)', '5 tabs (localStorage)');
  row('tabs', 'rotor-auth (indexeddb)', 'auth0-spa-js (localstorage)', '5 tabs (IndexedDB)');
  row('tabs', 'rotor-auth (localstorage, DPoP)', 'auth0-spa-js (localstorage)', dpop ? '5 tabs (localStorage, DPoP)' : undefined);
  row('tabs', 'rotor-auth (indexeddb, DPoP)', 'auth0-spa-js (localstorage)', dpop ? '5 tabs (IndexedDB, DPoP)' : undefined);
  const probe = r.browser?.storageProbe;
  if (probe) {
    add({ group: 'counts', metric: 'Chromium probe: stale localStorage read by the next Web Lock holder', rotor: probe.error ?? `${probe.roundsWithStaleRead}/${probe.rounds} rounds`, anchor: '— (same browser for both SDKs)' });
  }
}

function coldRows(r, add) {
  const cs = r.browser?.coldStart;
  const goals = { valid: 0.8, expired: 1.0 };
  for (const scenario of ['valid', 'expired']) {
    for (const network of ['loopback', 'emulated']) {
      const a = cs?.scenarios?.[scenario]?.['rotor-auth']?.medianMs?.[network];
      const b = cs?.scenarios?.[scenario]?.['auth0-spa-js']?.medianMs?.[network];
      const net = network === 'loopback' ? 'loopback' : `emulated ${cs?.network?.latency ?? 50} ms round trip, ${fmt((cs?.network?.downloadThroughput ?? 0) * 8 / 1e6, 1)} Mbit/s down`;
      add({
        group: 'cold', scenario, network,
        metric: `Cold start: reload → first token, ${scenario === 'valid' ? 'valid' : 'expired'} cached token, ${net}`,
        rotor: a !== undefined ? ms(a, 1) : (cs?.error ?? 'n/a'),
        anchor: b !== undefined ? `${ms(b, 1)}, auth0-spa-js` : 'n/a',
        ratio: a !== undefined && b ? a / b : undefined, diffMs: a !== undefined && b !== undefined ? a - b : undefined,
        goal: { op: '≤', value: goals[scenario] }, chart: `Cold start, ${scenario} (${network})`,
      });
    }
  }
  const floor = cs?.baseline?.medianMs;
  add({
    group: 'cold', metric: 'Cold start floor: the same page load with no SDK (loopback / emulated)',
    rotor: floor ? `${ms(floor.loopback, 1)} / ${ms(floor.emulated, 1)}` : 'n/a', anchor: '— (both SDKs pay it)',
  });
  const sa = cs?.scenarios?.valid?.['rotor-auth']?.scriptMedianMs;
  const sb = cs?.scenarios?.valid?.['auth0-spa-js']?.scriptMedianMs;
  add({
    group: 'cold', metric: 'Script compile + execute of the script-tag bundle, in the cold-start page (loopback)',
    rotor: sa !== undefined ? ms(sa) : 'n/a', anchor: sb !== undefined ? `${ms(sb)}, auth0-spa-js` : 'n/a',
    ratio: sa !== undefined && sb ? sa / sb : undefined,
  });
}

function serverRows(r, add) {
  const s = r.server ?? {};
  const f = s.fresh;
  add({
    group: 'server', metric: 'Fresh in-process mock server: createMockServer() + first request (JWKS), median',
    rotor: f?.medianMs !== undefined ? `${ms(f.medianMs)} (first in its process ${ms(f.firstMs, 1)})` : (f?.error ?? s.error ?? 'n/a'),
    anchor: '— (absolute goal)',
    ratio: f?.medianMs !== undefined ? f.medianMs / 5 : undefined, ratioText: f?.medianMs !== undefined ? `${fmt(f.medianMs / 5)}× of 5 ms` : undefined,
    goal: { op: '≤', value: 1, text: '≤ 5 ms' }, chart: 'Fresh server (÷ 5 ms)',
  });
  const pairs = s.pairs ?? THROUGHPUT_PAIRS.map(({ key, metric, goal }) => ({ key, metric, goal, error: s.throughput?.error ?? 'the throughput phase did not run' }));
  const names = (key) => THROUGHPUT_PAIRS.find((x) => x.key === key);
  for (const p of pairs) {
    const ok = p.mine && p.theirs;
    const rising = p.rising ? ' (rounds were still rising: warm-up too short)' : '';
    add({
      group: 'server', metric: p.metric, pairKey: p.key,
      rotor: p.mine ? `${fmt(p.mine.grantsPerSecond, 0)} /s (${p.mineKind})` : (p.error ?? `missing: kind \`${names(p.key).mine[0]}\` not returned by bench/throughput.mjs at ${commitOf(r)}`),
      anchor: p.theirs ? `${fmt(p.theirs.grantsPerSecond, 0)} /s (${p.theirsKind})` : (p.error ?? `missing: kind \`${names(p.key).theirs[0]}\` not returned by bench/throughput.mjs at ${commitOf(r)}`),
      ratio: ok ? p.mine.grantsPerSecond / p.theirs.grantsPerSecond : undefined,
      ...(p.goal ? { goal: { op: '≥', value: p.goal }, chart: 'Grants/s vs oidc-provider (ES256)' } : {}),
      note: rising,
    });
  }
  const eq = pairs.find((p) => p.key === 'equal');
  if (eq?.mine && eq?.theirs) {
    add({ group: 'server', metric: 'Server CPU per refresh grant at equal crypto (ES256)', rotor: ms(eq.mine.cpuMsPerGrant, 3), anchor: `${ms(eq.theirs.cpuMsPerGrant, 3)}, oidc-provider`, ratio: eq.mine.cpuMsPerGrant / eq.theirs.cpuMsPerGrant });
  }
  const mem = s.memory;
  add({
    group: 'server', metric: 'Mock server heap per active family',
    rotor: !mem || mem.error ? (mem?.error ?? 'n/a') : `${fmt(mem.bytesPerFamilyAfterLogin / 1024)} KiB after login; ${fmt(mem.bytesPerFamilyAfterRotations / 1024)} KiB after ${mem.rotationsPerFamily} rotations (${mem.families} families)`,
    anchor: '—',
  });
  add({
    group: 'server', metric: 'Mock server heap per abandoned login (/authorize, never completed)',
    rotor: mem?.bytesPerAbandonedLogin !== undefined
      ? `${fmt(mem.bytesPerAbandonedLogin / 1024)} KiB (${mem.abandonedLogins ?? '?'} logins → ${fmt((mem.bytesPerAbandonedLogin * (mem.abandonedLogins ?? 0)) / 2 ** 20, 1)} MiB)`
      : `missing: bench/memory.mjs at ${commitOf(r)} reports no bytesPerAbandonedLogin`,
    anchor: '— (issue 12: 5,000 abandoned logins < 20 MB)',
    ...(mem?.bytesPerAbandonedLogin !== undefined ? { met: mem.bytesPerAbandonedLogin * 5000 < 20e6, goal: { op: '≤', value: 4000, text: '< 20 MB per 5,000' } } : {}),
  });
}

function faultRows(r, add) {
  const f = r.faults;
  if (!f || f.missing || f.error) {
    add({ group: 'faults', metric: 'Fault matrix (e2e/faults): faults survived / tried', rotor: `missing: ${f?.missing ?? f?.error ?? 'not run'}`, anchor: '—' });
    return;
  }
  add({
    group: 'faults', metric: 'Fault matrix (e2e/faults): faults survived / tried, reuse detections',
    rotor: `${f.survived}/${f.tried} survived, ${f.reuseDetections} reuse detection${f.reuseDetections === 1 ? '' : 's'}${f.partial ? ` (${f.partial})` : f.exitCode ? ` (Playwright exit ${f.exitCode})` : ''}`,
    anchor: '—',
    goal: { op: '=', value: 1, text: 'all survive, 0 reuse' },
    met: f.partial ? undefined : f.tried > 0 && f.survived === f.tried && f.reuseDetections === 0,
  });
}

/** Builds the rows once; markdown and SVG both read them. */
export function buildRows(r) {
  const rows = [];
  const add = (row) => rows.push(row);
  sizeRows(r, add);
  cacheHitRows(r, add);
  refreshRows(r, add);
  countRows(r, add);
  coldRows(r, add);
  serverRows(r, add);
  faultRows(r, add);
  for (const row of rows) {
    if (row.met === undefined && row.goal && row.ratio !== undefined && !row.ratioIsCount) row.met = metGoal(row.goal, row.ratio);
  }
  return rows;
}
