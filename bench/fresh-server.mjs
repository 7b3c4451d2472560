// Fresh in-process mock server: createMockServer() + its first request
// (the JWKS, so the signing keys must exist; through `fetch`, no socket), in a process of its own so the
// first creation pays whatever a test process pays once (e.g. a default key
// set made once per process). Prints one JSON line:
// { firstMs, medianMs, p90Ms, samples }.
// Used by bench/server-phase.mjs when bench/servers/fresh.mjs (owned by the
// mock server's maintainers) does not provide measureFreshServer().
//   node bench/fresh-server.mjs [samples]
import { loadMockServerModule } from './servers/mock.mjs';
import { median, percentile } from './lib/stats.mjs';

const samples = Number(process.argv[2] ?? 60);
const { createMockServer } = await loadMockServerModule();

async function once() {
  const t0 = performance.now();
  const server = createMockServer();
  const res = await server.fetch(new Request('http://127.0.0.1:4999/.well-known/jwks.json'));
  await res.json();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`JWKS answered ${res.status}`);
  await server.close?.();
  return ms;
}

const firstMs = await once();
// bounded in time too: a slow server creation (seconds each) still ends in about 8 s
const times = [];
const until = performance.now() + 8000;
for (let i = 0; i < samples && (i < 5 || performance.now() < until); i += 1) times.push(await once());
process.stdout.write(`${JSON.stringify({ firstMs, medianMs: median(times), p90Ms: percentile(times, 90), samples: times.length })}\n`);
