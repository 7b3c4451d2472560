// Turns the collected measurements into bench/results.md (one table:
// metric, rotor-auth, anchor, ratio, goal, met?) and bench/results.svg
// (hand-written SVG: each ratio as a bar on one log axis, its goal as a tick).

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB (${bytes} B)`;
const fmt = (v, digits = 2) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '—');
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** One line, no table-breaking characters, bounded length. */
const cell = (s) => {
  const one = esc(s).replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
  return one.length > 240 ? `${one.slice(0, 237)}…` : one;
};

/** Two decimals, or three when two would hide which side of its goal the ratio is on. */
function ratioText(row) {
  const near = row.goal && Math.abs(row.ratio - row.goal.value) < 0.005;
  return row.ratio.toFixed(near ? 3 : 2);
}

/** Builds the rows once; markdown and SVG both read them. */
export function buildRows(r) {
  const rows = [];
  const add = (row) => rows.push(row);
  const size = r.size ?? {};
  const rotor = size['rotor-auth'];
  const a0 = size['auth0-spa-js'];
  const oidc = size['oidc-client-ts'];
  const sizeRow = (metric, pick, anchor, anchorName, goal) => {
    const mine = rotor && !rotor.error ? pick(rotor) : undefined;
    const theirs = anchor && !anchor.error ? pick(anchor) : undefined;
    const ratio = mine?.gzipBytes && theirs?.gzipBytes ? mine.gzipBytes / theirs.gzipBytes : undefined;
    add({
      metric,
      rotor: mine?.gzipBytes ? kb(mine.gzipBytes) : (rotor?.error ?? mine?.error ?? 'n/a'),
      anchor: theirs?.gzipBytes ? `${kb(theirs.gzipBytes)}, ${anchorName}` : 'n/a',
      ratio, goal: goal ? { op: '≤', value: goal } : undefined, chart: goal ? metric : undefined,
    });
  };
  sizeRow('Script-tag bundle, min+gzip', (s) => s.script, a0, 'auth0-spa-js', 0.25);
  sizeRow('Tree-shaken client class, min+gzip', (s) => s.treeShaken, a0, 'auth0-spa-js `{ Auth0Client }`', 0.25);
  sizeRow('Script-tag bundle, min+gzip (2nd anchor)', (s) => s.script, oidc, 'oidc-client-ts', undefined);
  sizeRow('Tree-shaken client class (2nd anchor)', (s) => s.treeShaken, oidc, 'oidc-client-ts `{ UserManager }`', undefined);

  const lat = r.browser?.latency ?? {};
  const hitR = lat.sdks?.['rotor-auth'];
  const hitA = lat.sdks?.['auth0-spa-js'];
  add({
    metric: 'getTokenSilently cache hit, median per call',
    rotor: hitR?.cacheHitMedianMs !== undefined ? `${fmt(hitR.cacheHitMedianMs * 1000, 1)} µs` : (hitR?.error ?? lat.error ?? 'n/a'),
    anchor: hitA?.cacheHitMedianMs !== undefined ? `${fmt(hitA.cacheHitMedianMs * 1000, 1)} µs (auth0-spa-js)` : (hitA?.error ?? 'n/a'),
    ratio: hitR?.cacheHitMedianMs && hitA?.cacheHitMedianMs ? hitR.cacheHitMedianMs / hitA.cacheHitMedianMs : undefined,
    goal: { op: '≤', value: 0.5 }, chart: 'Cache hit vs auth0-spa-js',
  });
  const hitM = lat.sdks?.['rotor-auth (memory)'];
  if (hitM) {
    add({
      metric: 'Cache hit, rotor-auth on its default memory cache',
      rotor: hitM.cacheHitMedianMs !== undefined ? `${fmt(hitM.cacheHitMedianMs * 1000, 1)} µs` : hitM.error,
      anchor: hitA?.cacheHitMedianMs !== undefined ? `${fmt(hitA.cacheHitMedianMs * 1000, 1)} µs (auth0-spa-js, localStorage)` : 'n/a',
      ratio: hitM.cacheHitMedianMs && hitA?.cacheHitMedianMs ? hitM.cacheHitMedianMs / hitA.cacheHitMedianMs : undefined,
    });
  }
  const ref = lat.refresh;
  add({
    metric: 'Forced refresh (cacheMode off), median',
    rotor: ref ? `${fmt(ref.rotorMedianMs)} ms` : 'n/a',
    anchor: ref ? `${fmt(ref.bareFetchMedianMs)} ms (bare fetch, same request)` : 'n/a',
    ratio: ref ? ref.rotorMedianMs / ref.bareFetchMedianMs : undefined,
    goal: { op: '≤', value: 1.2 }, chart: 'Refresh vs bare fetch',
  });
  if (ref?.idTokenVerifyMedianMs != null) {
    const importMs = ref.jwkImportMedianMs ?? 0;
    const floor = ref.bareFetchMedianMs + ref.idTokenVerifyMedianMs + importMs;
    add({
      metric: 'Forced refresh vs bare fetch + ID-token signature check (key import + verify)',
      rotor: `${fmt(ref.rotorMedianMs)} ms`,
      anchor: `${fmt(floor)} ms (fetch ${fmt(ref.bareFetchMedianMs)} + import ${fmt(importMs, 3)} + verify ${fmt(ref.idTokenVerifyMedianMs, 3)})`,
      ratio: ref.rotorMedianMs / floor,
    });
  }
  if (ref?.rotorMemoryMedianMs != null) {
    add({
      metric: 'Forced refresh, rotor-auth on its memory cache (no localStorage, no cross-tab lock)',
      rotor: `${fmt(ref.rotorMemoryMedianMs)} ms`,
      anchor: `${fmt(ref.bareFetchMedianMs)} ms (bare fetch, same request)`,
      ratio: ref.rotorMemoryMedianMs / ref.bareFetchMedianMs,
    });
  }
  if (ref?.auth0MedianMs != null) {
    add({
      metric: 'Forced refresh vs auth0-spa-js forced refresh',
      rotor: `${fmt(ref.rotorMedianMs)} ms`,
      anchor: `${fmt(ref.auth0MedianMs)} ms (auth0-spa-js, no signature check)`,
      ratio: ref.rotorMedianMs / ref.auth0MedianMs,
    });
  }
  const counts = r.browser?.counts ?? {};
  const describeCount = (c, err) => {
    if (!c) return err ?? 'n/a';
    const parts = [`${c.refreshRequests}`];
    if (c.trials > 1) parts[0] = `max ${c.refreshRequests} (per trial ${c.requestsPerTrial.join('/')})`;
    if (c.fulfilled !== c.expected) parts.push(`${c.expected - c.fulfilled}/${c.expected} calls failed`);
    if (c.reuseDetected) parts.push(`${c.reuseDetected} reuse detection${c.reuseDetected > 1 ? 's' : ''}`);
    if (c.errors?.length) parts.push(`errors: ${c.errors.join('; ')}`);
    return parts.join(', ');
  };
  const countRow = (metric, variant, key, chart) => {
    const mine = counts[variant]?.[key];
    const theirs = counts['auth0-spa-js']?.[key];
    add({
      metric,
      rotor: describeCount(mine, counts[variant]?.error),
      anchor: `${describeCount(theirs, counts['auth0-spa-js']?.error)} (auth0-spa-js, localStorage)`,
      ratio: mine ? mine.refreshRequests : undefined, ratioIsCount: true,
      anchorCount: theirs ? theirs.refreshRequests : undefined,
      goal: { op: '=', value: 1 }, chart,
      met: mine ? mine.requestsPerTrial.every((n) => n === 1) && mine.fulfilled === mine.expected && mine.reuseDetected === 0 : undefined,
    });
  };
  countRow('100 concurrent calls after expiry, one page → token requests (localStorage)', 'rotor-auth', 'concurrent', '100 concurrent → requests');
  countRow('5 tabs after expiry → token requests (localStorage)', 'rotor-auth', 'tabs', '5 tabs → requests');
  if (counts['rotor-auth (indexeddb)']) {
    countRow('100 concurrent calls after expiry → token requests, rotor-auth on IndexedDB', 'rotor-auth (indexeddb)', 'concurrent', undefined);
    countRow('5 tabs after expiry → token requests, rotor-auth on IndexedDB', 'rotor-auth (indexeddb)', 'tabs', '5 tabs (IndexedDB) → requests');
  }
  const probe = r.browser?.storageProbe;
  if (probe) {
    add({
      metric: 'Chromium probe: stale localStorage read by the next Web Lock holder',
      rotor: probe.error ?? `${probe.roundsWithStaleRead}/${probe.rounds} rounds`,
      anchor: '— (same browser for both SDKs)',
    });
  }

  const tp = r.throughput?.servers;
  if (tp || r.throughput?.error) {
    const m = tp?.mock;
    const o = tp?.['oidc-provider'];
    add({
      metric: 'Refresh grants per second, loopback (median of rounds)',
      rotor: m ? `${fmt(m.grantsPerSecond, 0)} /s` : (r.throughput?.error ?? 'n/a'),
      anchor: o ? `${fmt(o.grantsPerSecond, 0)} /s (oidc-provider)` : 'n/a',
      ratio: m && o ? m.grantsPerSecond / o.grantsPerSecond : undefined,
      goal: { op: '≥', value: 3 }, chart: 'Grants/s vs oidc-provider',
    });
    const es = tp?.['mock-es256'];
    if (es && o) {
      add({
        metric: 'Refresh grants per second, mock server signing ES256 instead of RS256',
        rotor: `${fmt(es.grantsPerSecond, 0)} /s`,
        anchor: `${fmt(o.grantsPerSecond, 0)} /s (oidc-provider, RS256)`,
        ratio: es.grantsPerSecond / o.grantsPerSecond,
      });
    }
    if (m && o) {
      add({
        metric: 'Server CPU per refresh grant (median of rounds)',
        rotor: `${fmt(m.cpuMsPerGrant, 3)} ms`,
        anchor: `${fmt(o.cpuMsPerGrant, 3)} ms (oidc-provider)`,
        ratio: m.cpuMsPerGrant / o.cpuMsPerGrant,
      });
    }
  }
  const mem = r.memory;
  if (mem) {
    add({
      metric: 'Mock server heap per active family',
      rotor: mem.error ? mem.error : `${fmt(mem.bytesPerFamilyAfterLogin / 1024)} KiB after login; ${fmt(mem.bytesPerFamilyAfterRotations / 1024)} KiB after ${mem.rotationsPerFamily} rotations (${mem.families} families)`,
      anchor: '—',
    });
  }
  for (const row of rows) {
    if (row.met === undefined && row.goal && row.ratio !== undefined) {
      row.met = row.goal.op === '≤' ? row.ratio <= row.goal.value : row.goal.op === '≥' ? row.ratio >= row.goal.value : row.ratio === row.goal.value;
    }
  }
  return rows;
}

export function renderMarkdown(r, rows) {
  const m = r.machine;
  const lines = [];
  lines.push('# rotor-auth benchmark results', '');
  lines.push(`Generated by \`npm run bench\` (\`node bench/run.mjs\`) on ${m.date}, in one run of ${fmt(r.durationSeconds, 0)} s, from commit ${m.commit ?? 'unknown'}.`, '');
  lines.push(`Machine: ${m.cpu}, ${m.memory}, ${m.os}; Node ${m.node}; ${r.browser?.browser ?? 'no browser'}; load average at start ${m.loadavgAtStart}, at end ${r.loadavgAtEnd} (the machine is shared, so absolute numbers are noisy; ratios are measured side by side, interleaved).`, '');
  lines.push(`Anchors: ${Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`, '');
  lines.push('| Metric | rotor-auth | Anchor | Ratio | Goal | Met? |', '|---|---|---|---|---|---|');
  for (const row of rows) {
    const ratio = row.ratio === undefined ? '—' : row.ratioIsCount ? String(row.ratio) : `${ratioText(row)}×`;
    const goal = row.goal ? `${row.goal.op} ${row.goal.value}${row.ratioIsCount ? ' request' : '×'}` : '—';
    const met = row.met === undefined ? (row.goal ? 'not measured' : '—') : row.met ? 'yes' : '**no**';
    lines.push(`| ${cell(row.metric)} | ${cell(row.rotor)} | ${cell(row.anchor)} | ${ratio} | ${goal} | ${met} |`);
  }
  lines.push('', '![ratios vs goals](results.svg)', '');
  const misses = explainMisses(r, rows);
  if (misses.length) {
    lines.push('## Missed goals, and what the same run says about them', '');
    for (const m of misses) lines.push(`- ${m}`);
    lines.push('');
  }
  lines.push('## How each number was taken', '');
  for (const note of notes(r)) lines.push(`- ${note}`);
  lines.push('');
  return lines.join('\n');
}

function notes(r) {
  const out = [];
  const b = r.browser?.opts;
  out.push('Size: bytes of each script-tag bundle as shipped (rotor-auth `dist/rotor-auth.min.js`, `auth0-spa-js.production.js`, `oidc-client-ts.min.js`), gzip level 9 via node:zlib; tree-shaken: rollup + @rollup/plugin-node-resolve (browser conditions) + @rollup/plugin-terser bundling only `export { <client class> } from \'<package>\'`.');
  if (b) {
    out.push(`Cache hit: one cross-origin-isolated page (performance.now() at 5 µs) holding both SDKs, each logged in by a real redirect login against the mock server, both with \`cacheLocation: 'localstorage'\` (plus rotor-auth on its default memory cache, logged in within that page load); ${b.warmupBatches} warm-up batches, then ${b.batches} batches of ${b.batchSize} sequential \`getTokenSilently()\` calls per SDK, alternating SDKs; median of the per-batch mean. Token requests during the cache-hit loop: ${r.browser?.latency?.tokenRequestsDuringCacheHits ?? 'n/a'}.`);
    const ref = r.browser?.latency?.refresh;
    out.push(`Forced refresh: \`getTokenSilently({ cacheMode: 'off' })\` vs a bare \`fetch\` of the request rotor-auth itself sent (captured in the browser: ${ref ? `${ref.request.kind} body with fields ${ref.request.fields.join(', ')}` : 'n/a'}) presenting a refresh token of its own rotation chain, timed to the parsed JSON; interleaved, ${b.refreshWarmup} warm-up + ${b.refreshes} samples each. The ID-token check cost is WebCrypto \`importKey\` of the JWKS key and \`verify\` of the returned ID token's signature, medians of each (rotor-auth imports the JWK on every verification). Requests to the server per rotor-auth forced refresh: median ${ref?.requestsPerRotorRefresh ?? 'n/a'}, max ${ref?.maxRequestsPerRotorRefresh ?? 'n/a'}.`);
    out.push(`Concurrency: per trial a fresh mock server and a fresh browser context with Playwright's clock installed; after a redirect login the browser clock and the mock server's clock (\`control.advanceClock\`) jump past the access token's lifetime; then ${b.concurrent} concurrent \`getTokenSilently()\` in one page, and later (after another jump) one call in each of ${b.tabs} pages of the context at once. Token requests counted from the mock server's \`token_request\` events (grant_type refresh_token), up to ${b.trials} trials per SDK (half as many for rotor-auth on IndexedDB; fewer if the time budget runs out); the table shows the worst trial. Details: ${countDetails(r.browser?.counts)}.`);
    if (r.browser?.storageProbe?.rounds) out.push(`Storage probe: 5 tabs of one context take one Web Lock in turn; inside it, the first holder to read the round's old localStorage value writes a new one. A round where a later holder still reads the old value counts as stale: ${r.browser.storageProbe.roundsWithStaleRead}/${r.browser.storageProbe.rounds} rounds. Chromium propagates localStorage writes to other renderer processes asynchronously, so "re-read the cache after taking the lock" can read the pre-rotation refresh token.`);
  }
  const t = r.throughput;
  if (t?.servers) {
    out.push(`Grants/s: each server in its own child process on 127.0.0.1; the driver uses node:http with a keep-alive agent; ${t.chains} virtual clients each own one family (logged in by code + PKCE) and walk their own rotation chain (no reuse); ${t.rounds} rounds of ${t.chains * t.perChain} refresh grants per server, servers alternating; median rate; CPU time read from the server process. rotor-auth mock: ${fmt(t.servers.mock?.medianLatencyMs)} ms median request latency, rounds ${t.servers.mock?.rounds?.map((x) => x.toFixed(0)).join('/')} /s; oidc-provider: ${fmt(t.servers['oidc-provider']?.medianLatencyMs)} ms, rounds ${t.servers['oidc-provider']?.rounds?.map((x) => x.toFixed(0)).join('/')} /s. oidc-provider setup: public client (token_endpoint_auth_method none, PKCE required), \`issueRefreshToken\` always for clients allowed the refresh_token grant, \`rotateRefreshToken: true\`, default in-memory adapter (an LRU of 1000 entries), ID tokens on refresh as with the mock server.${t.signMs ? ` One WebCrypto signature on this machine: RS256 ${fmt(t.signMs.RS256, 3)} ms, ES256 ${fmt(t.signMs.ES256, 3)} ms (the mock server signs two JWTs per refresh grant, access token and ID token; oidc-provider signs one, its access tokens are opaque).` : ''}`);
  }
  if (r.memory && !r.memory.error) {
    const mem = r.memory;
    out.push(`Memory: separate \`node --expose-gc\` process; heapUsed after forced GC before and after ${mem.families} logins through the mock server's \`fetch\` handler (one family each; event log capped at 1 and the active-token cap raised above N so only the store is measured; the harness's own token strings subtracted), then after ${mem.rotationsPerFamily} rotations of every family (${fmt(mem.bytesPerRotation, 0)} bytes per rotation).`);
  }
  for (const e of r.errors ?? []) out.push(`Error: ${e}`);
  return out;
}

/** For each missed goal, the numbers from this run that bear on why. */
function explainMisses(r, rows) {
  const out = [];
  const missed = (prefix) => rows.some((row) => row.metric.startsWith(prefix) && row.met === false);
  const size = r.size ?? {};
  if (missed('Script-tag bundle') || missed('Tree-shaken')) {
    const mine = size['rotor-auth'];
    const a0 = size['auth0-spa-js'];
    if (mine?.script && a0?.script) {
      const allowed = Math.floor(a0.script.gzipBytes * 0.25);
      const comp = mine.treeShaken?.compositionPercent ?? {};
      out.push(`Size: the script-tag bundle is ${mine.script.gzipBytes} B min+gzip; 0.25 × auth0-spa-js is ${allowed} B, so ${mine.script.gzipBytes - allowed} B over. Of the tree-shaken bundle's bytes before minification, ${Object.entries(comp).map(([k, v]) => `${k} ${v}%`).join(', ')}.`);
    }
  }
  const lat = r.browser?.latency;
  if (missed('getTokenSilently cache hit')) {
    const mem = lat?.sdks?.['rotor-auth (memory)']?.cacheHitMedianMs;
    const a0 = lat?.sdks?.['auth0-spa-js']?.cacheHitMedianMs;
    out.push(`Cache hit: with localStorage both SDKs read and parse the stored entry on every call; rotor-auth on its memory cache measured ${mem && a0 ? `${(mem / a0).toFixed(2)}×` : 'n/a'} auth0-spa-js in the same page.`);
  }
  const ref = lat?.refresh;
  if (missed('Forced refresh (cacheMode off)') && ref) {
    const overhead = ref.rotorMedianMs - ref.bareFetchMedianMs;
    const memOverhead = ref.rotorMemoryMedianMs != null ? ref.rotorMemoryMedianMs - ref.bareFetchMedianMs : undefined;
    out.push(`Forced refresh: rotor-auth spends ${overhead.toFixed(2)} ms over the bare fetch's ${ref.bareFetchMedianMs.toFixed(2)} ms. The ID token's signature check accounts for ${((ref.idTokenVerifyMedianMs ?? 0) + (ref.jwkImportMedianMs ?? 0)).toFixed(3)} ms of it (WebCrypto import + verify); on the memory cache (no localStorage, no cross-tab Web Lock) the overhead is ${memOverhead !== undefined ? `${memOverhead.toFixed(2)} ms` : 'n/a'}, so about ${memOverhead !== undefined ? `${(overhead - memOverhead).toFixed(2)} ms` : 'n/a'} goes to localStorage reads/writes and cross-tab coordination (in this page one Web Lock request+release takes ${ref.lockRequestMedianMs?.toFixed(3) ?? 'n/a'} ms and one \`navigator.locks.query()\` ${ref.lockQueryMedianMs?.toFixed(3) ?? 'n/a'} ms), and the memory-cache overhead itself is the SDK's own work per refresh beyond the fetch. auth0-spa-js (no signature check) took ${ref.auth0MedianMs?.toFixed(2) ?? 'n/a'} ms for the same.`);
  }
  const counts = r.browser?.counts ?? {};
  if (missed('5 tabs after expiry → token requests (localStorage)') || missed('100 concurrent calls after expiry, one page')) {
    const probe = r.browser?.storageProbe;
    const idb = counts['rotor-auth (indexeddb)']?.tabs;
    out.push(`Tabs: consistent with Chromium's localStorage, not the lock: in the probe the next Web Lock holder still read the value from before the handoff in ${probe?.roundsWithStaleRead ?? 'n/a'}/${probe?.rounds ?? 'n/a'} handoffs, so a tab that re-reads the cache after taking the lock can miss the rotation another tab just stored. auth0-spa-js has the same race (requests per trial ${counts['auth0-spa-js']?.tabs?.requestsPerTrial?.join('/') ?? 'n/a'}, ending in reuse detection). rotor-auth on IndexedDB: ${idb ? `requests per trial ${idb.requestsPerTrial.join('/')}, ${idb.reuseDetected} reuse detections` : 'n/a'}.`);
  }
  const tp = r.throughput?.servers;
  if (missed('Refresh grants per second') && tp?.mock && tp['oidc-provider']) {
    const es = tp['mock-es256'];
    out.push(`Grants/s: the mock server uses ${(tp.mock.cpuMsPerGrant / tp['oidc-provider'].cpuMsPerGrant).toFixed(2)}× oidc-provider's CPU per refresh grant (${tp.mock.cpuMsPerGrant.toFixed(2)} vs ${tp['oidc-provider'].cpuMsPerGrant.toFixed(2)} ms), so ≥ 3× would need about ${(tp['oidc-provider'].cpuMsPerGrant / 3).toFixed(2)} ms per grant. It signs two RS256 JWTs per grant (access token and ID token; ${r.throughput.signMs ? `${r.throughput.signMs.RS256.toFixed(3)} ms each here` : ''}), oidc-provider one (its access tokens are opaque); signing ES256 instead gives ${es ? `${(es.grantsPerSecond / tp['oidc-provider'].grantsPerSecond).toFixed(2)}×` : 'n/a'}.`);
  }
  return out;
}

function countDetails(counts) {
  if (!counts) return 'n/a';
  return Object.entries(counts).map(([sdk, c]) => {
    if (c.error && !c.concurrent) return `${sdk}: ${c.error}`;
    const d = (x) => (x ? `refresh requests per trial ${x.requestsPerTrial.join('/')}, ${x.fulfilled}/${x.expected} calls fulfilled, distinct tokens per trial ${x.distinctTokensPerTrial.join('/')}, ${x.reuseDetected} reuse detection(s), token POSTs seen in the browser per trial ${x.browserSeenRequests.join('/')}${x.errors?.length ? `, errors: ${x.errors.join('; ')}` : ''}` : 'n/a');
    return `${sdk} — 100 concurrent: ${d(c.concurrent)}; 5 tabs: ${d(c.tabs)}${c.error ? `; trial failures: ${c.error}` : ''}`;
  }).join('; ');
}

/** One log axis (0.05× … 20×): a bar per ratio, a tick for its goal; green when met. */
export function renderSvg(rows) {
  const items = rows.filter((r) => r.chart && r.goal);
  const W = 760;
  const left = 230;
  const right = 30;
  const top = 50;
  const rowH = 40;
  const H = top + items.length * rowH + 66;
  const lo = Math.log10(0.05);
  const hi = Math.log10(20);
  const x = (v) => left + ((Math.log10(Math.min(Math.max(v, 0.05), 20)) - lo) / (hi - lo)) * (W - left - right);
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">rotor-auth vs anchors: ratio (bar) and goal (black tick), log scale</text>`);
  for (const t of [0.1, 0.25, 0.5, 1, 2, 5, 10]) {
    parts.push(`<line x1="${x(t)}" y1="${top - 8}" x2="${x(t)}" y2="${top + items.length * rowH}" stroke="#ddd"/>`);
    parts.push(`<text x="${x(t)}" y="${top + items.length * rowH + 16}" text-anchor="middle" fill="#555">${t}×</text>`);
  }
  items.forEach((row, i) => {
    const y = top + i * rowH;
    parts.push(`<text x="${left - 8}" y="${y + 18}" text-anchor="end">${esc(row.chart)}</text>`);
    if (row.ratio === undefined || !Number.isFinite(row.ratio)) {
      parts.push(`<text x="${left + 6}" y="${y + 18}" fill="#999">not measured</text>`);
    } else {
      const v = row.ratioIsCount ? Math.max(row.ratio, 0.05) : row.ratio;
      const color = row.met ? '#2e7d32' : '#c62828';
      parts.push(`<rect x="${left}" y="${y + 6}" width="${Math.max(1, x(v) - left)}" height="18" fill="${color}" opacity="0.85"/>`);
      const label = row.ratioIsCount ? `${row.ratio} request${row.ratio === 1 ? '' : 's'}` : `${ratioText(row)}×`;
      parts.push(`<text x="${Math.min(Math.max(x(v), x(row.goal.value)) + 6, W - right - 40)}" y="${y + 19}" fill="#222">${label}</text>`);
    }
    if (row.anchorCount !== undefined) {
      parts.push(`<rect x="${left}" y="${y + 27}" width="${Math.max(1, x(row.anchorCount) - left)}" height="7" fill="#888"/>`);
      parts.push(`<text x="${Math.min(x(row.anchorCount) + 6, W - right - 40)}" y="${y + 35}" fill="#666" font-size="10">auth0-spa-js: ${row.anchorCount}</text>`);
    }
    const g = x(row.goal.value);
    parts.push(`<line x1="${g}" y1="${y + 2}" x2="${g}" y2="${y + 28}" stroke="#000" stroke-width="3"/>`);
  });
  parts.push(`<text x="20" y="${H - 28}" fill="#555">Lower is better except grants/s (goal ≥ 3×). Token-request rows show the worst trial's count (goal exactly 1);</text>`);
  parts.push(`<text x="20" y="${H - 12}" fill="#555">the thin grey bar is auth0-spa-js in the same scenario. Green = goal met, red = missed.</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
