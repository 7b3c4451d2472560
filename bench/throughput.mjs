// Mock-server phase: refresh grants per second on loopback, rotor-auth's mock
// server vs oidc-provider, each in its own child process, driven from this
// process with a keep-alive node:http agent. Every virtual client owns one
// refresh-token family and walks its own rotation chain (each request
// presents the token the previous response returned), so no request is a
// reuse. Bounded: CHAINS × PER_CHAIN requests per round, ROUNDS rounds per
// server, alternating servers so both see the same background load.
//
// Equal crypto: `mock-es256` vs `oidc-provider-jwt-es256` is the headline
// comparison (both sign a JWT access token and an ID token per refresh, on
// ES256, so signing does not swamp the difference); `mock` vs
// `oidc-provider-jwt-rs256` is the same at RS256; `mock` vs `oidc-provider`
// is the raw default comparison (oidc-provider's access tokens opaque, so it
// signs one JWT to the mock's two). Each server is warmed until its warm-up
// rounds stop rising (JIT, key caches, sockets) before measuring.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { keepAliveAgent, loginWithCode, postForm } from './lib/http-client.mjs';
import { median, withTimeout } from './lib/stats.mjs';

const CHILD = fileURLToPath(new URL('./servers/child.mjs', import.meta.url));

function startChild(kind) {
  const child = fork(CHILD, [kind], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const ready = new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => {
      const why = stderr.split('\n').find((l) => /Error/.test(l)) ?? stderr.slice(-300);
      reject(new Error(`${kind} server exited (${code}): ${why}`));
    });
  });
  const ask = (cmd) => new Promise((resolve) => {
    child.once('message', resolve);
    child.send({ cmd });
  });
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.disconnect();
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
  return { ready: withTimeout(ready, 20_000, `${kind} start`), ask, stop };
}

async function refreshChain(agent, info, chain, count, latencies) {
  for (let i = 0; i < count; i += 1) {
    const t0 = performance.now();
    const res = await postForm(agent, info.endpoints.token, {
      grant_type: 'refresh_token', client_id: info.client.clientId, refresh_token: chain.rt,
    });
    latencies.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`refresh failed: HTTP ${res.status} ${res.body.slice(0, 200)}`);
    const body = JSON.parse(res.body);
    if (!body.refresh_token || body.refresh_token === chain.rt) throw new Error('refresh response without a new refresh token');
    chain.rt = body.refresh_token;
  }
}

/** Median ms of one WebCrypto signature on this machine (what each signed JWT costs a server). */
async function signCost(n = 60) {
  const { subtle } = globalThis.crypto;
  const data = new TextEncoder().encode('x'.repeat(600));
  const algs = {
    RS256: [{ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, { name: 'RSASSA-PKCS1-v1_5' }],
    ES256: [{ name: 'ECDSA', namedCurve: 'P-256' }, { name: 'ECDSA', hash: 'SHA-256' }],
  };
  const out = {};
  for (const [name, [gen, sign]] of Object.entries(algs)) {
    const { privateKey } = await subtle.generateKey(gen, false, ['sign', 'verify']);
    const times = [];
    for (let i = 0; i < n; i += 1) {
      const t0 = performance.now();
      await subtle.sign(sign, privateKey, data);
      times.push(performance.now() - t0);
    }
    out[name] = median(times.slice(5));
  }
  return out;
}

/**
 * Instant servers: median ms of `createMockServer()` + its first request
 * (GET /.well-known/jwks.json, which needs the signing key), in this
 * process, after one warm-up server (the process-wide default key is made
 * once). Goal: <= 5 ms.
 */
export async function measureInstantServers({ n = 200, signingAlg = 'RS256' } = {}) {
  const { createMockServer } = await import(new URL('../dist/mock-server.mjs', import.meta.url).href);
  const first = performance.now();
  await (await createMockServer({ signingAlg }).fetch(new Request('http://127.0.0.1/.well-known/jwks.json'))).arrayBuffer();
  const firstMs = performance.now() - first;
  const times = [];
  for (let i = 0; i < n; i += 1) {
    const t0 = performance.now();
    const s = createMockServer({ signingAlg });
    const res = await s.fetch(new Request('http://127.0.0.1/.well-known/jwks.json'));
    await res.arrayBuffer();
    times.push(performance.now() - t0);
  }
  return { signingAlg, servers: n, medianMs: median(times), firstServerMs: firstMs };
}

/** [row name, mock kind, oidc-provider kind]: the first is the goal row (>= 1.5×). */
export const COMPARISONS = [
  ['equal crypto, ES256 (JWT access token + ID token each)', 'mock-es256', 'oidc-provider-jwt-es256'],
  ['equal crypto, RS256 (JWT access token + ID token each)', 'mock', 'oidc-provider-jwt-rs256'],
  ['raw defaults (mock RS256 two JWTs; oidc-provider opaque access token, RS256 ID token)', 'mock', 'oidc-provider'],
];

export async function measureThroughput({
  chains = 8, perChain = 40, rounds = 3, warmPerChain = 10, warmMax = 12,
  kinds = ['mock', 'oidc-provider', 'mock-es256', 'oidc-provider-jwt-es256', 'oidc-provider-jwt-rs256'], log = () => {},
} = {}) {
  const servers = {};
  const results = {};
  const children = [];
  try {
    for (const kind of kinds) {
      const child = startChild(kind);
      children.push(child);
      const info = await child.ready;
      const agent = keepAliveAgent(chains);
      const chainState = [];
      for (let i = 0; i < chains; i += 1) {
        const tokens = await loginWithCode(agent, {
          authorizeUrl: info.endpoints.authorize, tokenUrl: info.endpoints.token, clientId: info.client.clientId,
          redirectUri: info.client.redirectUri, scope: info.client.scope, extra: info.client.extra ?? {},
        });
        if (!tokens.refresh_token) throw new Error(`${kind}: login returned no refresh token`);
        chainState.push({ rt: tokens.refresh_token });
      }
      // warm-up until the rate stops rising: JIT, keys, connections
      let best = 0;
      let flat = 0;
      for (let w = 0; w < warmMax && flat < 2; w += 1) {
        const t0 = performance.now();
        await Promise.all(chainState.map((c) => refreshChain(agent, info, c, warmPerChain, [])));
        const rate = (chains * warmPerChain) / ((performance.now() - t0) / 1000);
        if (rate > best * 1.03) {
          best = rate;
          flat = 0;
        } else flat += 1;
        log(`  ${kind} warm-up ${w + 1}: ${rate.toFixed(0)} grants/s`);
      }
      servers[kind] = { child, info, agent, chainState };
      results[kind] = { rates: [], latencies: [], cpuMsPerGrant: [], requests: 0 };
    }
    for (let r = 0; r < rounds; r += 1) {
      for (const kind of kinds) {
        const { child, info, agent, chainState } = servers[kind];
        const cpu0 = (await child.ask('cpu')).cpu;
        const lat = [];
        const t0 = performance.now();
        await withTimeout(Promise.all(chainState.map((c) => refreshChain(agent, info, c, perChain, lat))), 60_000, `${kind} round`);
        const elapsed = (performance.now() - t0) / 1000;
        const cpu1 = (await child.ask('cpu')).cpu;
        const n = chains * perChain;
        const cpuMs = (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1000;
        results[kind].rates.push(n / elapsed);
        results[kind].cpuMsPerGrant.push(cpuMs / n);
        results[kind].latencies.push(...lat);
        results[kind].requests += n;
        log(`  ${kind} round ${r + 1}: ${(n / elapsed).toFixed(0)} grants/s, ${(cpuMs / n).toFixed(2)} ms CPU/grant`);
      }
    }
  } finally {
    for (const s of Object.values(servers)) s.agent.destroy();
    await Promise.all(children.map((c) => c.stop()));
  }
  const summary = {};
  for (const [kind, r] of Object.entries(results)) {
    summary[kind] = {
      grantsPerSecond: median(r.rates),
      rounds: r.rates,
      medianLatencyMs: median(r.latencies),
      cpuMsPerGrant: median(r.cpuMsPerGrant),
      requests: r.requests,
    };
  }
  const signMs = await signCost();
  const instant = await measureInstantServers();
  log(`  createMockServer() + first request: ${instant.medianMs.toFixed(2)} ms median (the process's first: ${instant.firstServerMs.toFixed(0)} ms, key generation)`);
  log(`  one WebCrypto signature here: RS256 ${signMs.RS256.toFixed(3)} ms, ES256 ${signMs.ES256.toFixed(3)} ms`);
  const comparisons = COMPARISONS.filter(([, m, o]) => summary[m] && summary[o]).map(([name, m, o]) => ({
    name,
    mock: m,
    anchor: o,
    ratio: summary[m].grantsPerSecond / summary[o].grantsPerSecond,
    cpuRatio: summary[o].cpuMsPerGrant / summary[m].cpuMsPerGrant,
  }));
  for (const c of comparisons) log(`  ${c.name}: ${c.ratio.toFixed(2)}× grants/s (${c.cpuRatio.toFixed(2)}× less CPU per grant)`);
  return { chains, perChain, rounds, servers: summary, comparisons, signMs, instant };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === 'instant') {
    console.log(JSON.stringify(await measureInstantServers(), null, 2));
    process.exit(0);
  }
  const kinds = process.argv[2] ? process.argv[2].split(',') : undefined;
  console.log(JSON.stringify(await measureThroughput({ kinds, log: console.log }), null, 2));
}
