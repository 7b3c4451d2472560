// Mock-server phase. The measurements belong to the mock server's
// maintainers (bench/throughput.mjs, bench/memory.mjs, bench/servers/**);
// this file calls them and normalises what comes back, and says what is
// missing instead of failing when a function or a server kind isn't there yet.
//
// Expected interface (see the README "Benchmarks" section):
//  - bench/throughput.mjs: measureThroughput({ log }) →
//      { servers: { [kind]: { grantsPerSecond, rounds: number[], cpuMsPerGrant, medianLatencyMs, requests, setup? } }, signMs? }
//    with kinds THROUGHPUT_PAIRS names (first name found wins).
//  - bench/servers/fresh.mjs (optional): measureFreshServer() → { medianMs, firstMs, samples };
//    else bench/fresh-server.mjs measures the same through the public API.
//  - node --expose-gc bench/memory.mjs N R → one JSON line with
//      bytesPerFamilyAfterLogin, bytesPerFamilyAfterRotations, rotationsPerFamily, families,
//      bytesPerAbandonedLogin, abandonedLogins.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/** Rows of the throughput comparison: rotor-auth's kind vs oidc-provider's, by the names bench/throughput.mjs may use. */
export const THROUGHPUT_PAIRS = [
  {
    key: 'equal', goal: 1.5,
    metric: 'Refresh grants/s at equal crypto: both ES256, both issuing JWT access tokens',
    mine: ['mock-es256'], theirs: ['oidc-provider-jwt-es256', 'oidc-provider-es256', 'oidc-provider-es256-jwt'],
  },
  {
    key: 'rs256',
    metric: 'Refresh grants/s, both RS256, both issuing JWT access tokens',
    mine: ['mock-rs256', 'mock'], theirs: ['oidc-provider-jwt-rs256', 'oidc-provider-rs256', 'oidc-provider-rs256-jwt'],
  },
  {
    key: 'raw',
    metric: 'Refresh grants/s, raw defaults (mock: RS256, JWT access tokens; oidc-provider: RS256 ID token, opaque access tokens)',
    mine: ['mock'], theirs: ['oidc-provider'],
  },
];

function runJson(args, timeout) {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout }, (err, stdout, stderr) => {
      if (err) {
        const lines = (stderr || err.message).split('\n');
        resolve({ error: `${args.at(-3) ?? ''} failed: ${lines.find((l) => /Error/.test(l)) ?? lines[0]}`.trim() });
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()));
      } catch {
        resolve({ error: `no JSON from ${args.join(' ')}` });
      }
    });
  });
}

async function freshServer() {
  const theirs = here('./servers/fresh.mjs');
  if (existsSync(theirs)) {
    const mod = await import(theirs);
    if (typeof mod.measureFreshServer === 'function') return { ...(await mod.measureFreshServer()), source: 'bench/servers/fresh.mjs measureFreshServer()' };
  }
  return { ...(await runJson([here('./fresh-server.mjs'), '60'], 60_000)), source: 'bench/fresh-server.mjs (separate process)' };
}

/** Rounds that still rose at the end: the warm-up did not reach a steady state. */
function stillRising(rounds) {
  if (!Array.isArray(rounds) || rounds.length < 3) return false;
  const n = rounds.length;
  return rounds[n - 1] > rounds[n - 2] && rounds[n - 2] > rounds[n - 3];
}

export async function measureServer({ log = () => {}, memoryN = 500, memoryRotations = 4 } = {}) {
  const out = {};
  out.fresh = await freshServer().catch((err) => ({ error: err.message.split('\n')[0] }));
  if (out.fresh.medianMs !== undefined) log(`  fresh server (create + first request): median ${out.fresh.medianMs.toFixed(2)} ms, first in its process ${out.fresh.firstMs?.toFixed(1)} ms`);

  try {
    const { measureThroughput } = await import('./throughput.mjs');
    if (typeof measureThroughput !== 'function') throw new Error('bench/throughput.mjs exports no measureThroughput');
    const tp = await measureThroughput({ log });
    out.throughput = tp;
    out.pairs = THROUGHPUT_PAIRS.map((p) => {
      const mineKind = p.mine.find((k) => tp.servers?.[k]);
      const theirsKind = p.theirs.find((k) => tp.servers?.[k]);
      const mine = mineKind && tp.servers[mineKind];
      const theirs = theirsKind && tp.servers[theirsKind];
      const missing = [!mine && `${p.mine[0]}`, !theirs && `${p.theirs[0]}`].filter(Boolean);
      return {
        ...p, mineKind, theirsKind, mine, theirs, missing,
        rising: [mine, theirs].filter((s) => s && stillRising(s.rounds)).length > 0,
      };
    });
  } catch (err) {
    out.throughput = { error: err.message.split('\n')[0] };
  }

  out.memory = await runJson(['--expose-gc', here('./memory.mjs'), String(memoryN), String(memoryRotations)], 120_000);
  // bench/memory.mjs reports the heap growth of all abandoned logins; the report reads it per login.
  if (out.memory.bytesPerAbandonedLogin === undefined && out.memory.abandonedLoginsHeapBytes !== undefined && out.memory.abandonedLogins) {
    out.memory.bytesPerAbandonedLogin = Math.max(0, out.memory.abandonedLoginsHeapBytes) / out.memory.abandonedLogins;
  }
  return out;
}
