// Memory per active refresh-token family in the mock server. Runs in its own
// process with --expose-gc (bench/run.mjs spawns it): heap after a forced GC,
// before and after N logins (one family each, through the server's fetch
// handler, no sockets), and again after every family rotated R times.
// The event log is capped at 1 entry and the per-user active-token cap is
// raised above N, so what is measured is the family store itself.
//   node --expose-gc bench/memory.mjs [N] [R] [abandoned logins, default 5000]
import { createHash, randomBytes } from 'node:crypto';
import { loadMockServerModule, MOCK_CLIENT } from './servers/mock.mjs';

const N = Number(process.argv[2] ?? 500);
const R = Number(process.argv[3] ?? 4);
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');

const ORIGIN = 'http://127.0.0.1:4999';
const REDIRECT = `${ORIGIN}/cb`;

async function heap() {
  for (let i = 0; i < 4; i += 1) {
    globalThis.gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

async function login(server) {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(8).toString('base64url');
  const url = new URL(`${ORIGIN}/authorize`);
  const params = {
    response_type: 'code', client_id: MOCK_CLIENT.clientId, redirect_uri: REDIRECT, scope: MOCK_CLIENT.scope,
    state, nonce: randomBytes(8).toString('base64url'), code_challenge: challenge, code_challenge_method: 'S256',
    ...MOCK_CLIENT.extra,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const auth = await server.fetch(new Request(url));
  const location = auth.headers.get('location');
  const code = location && new URL(location, ORIGIN).searchParams.get('code');
  if (!code) throw new Error(`authorize gave no code: ${auth.status} ${location ?? (await auth.text()).slice(0, 200)}`);
  const res = await server.fetch(new Request(`${ORIGIN}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: MOCK_CLIENT.clientId, code, redirect_uri: REDIRECT, code_verifier: verifier }),
  }));
  const body = await res.json();
  if (!body.refresh_token) throw new Error(`code exchange failed: ${res.status} ${JSON.stringify(body)}`);
  return body.refresh_token;
}

async function rotate(server, rt) {
  const res = await server.fetch(new Request(`${ORIGIN}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: MOCK_CLIENT.clientId, refresh_token: rt }),
  }));
  const body = await res.json();
  if (!body.refresh_token) throw new Error(`refresh failed: ${res.status} ${JSON.stringify(body)}`);
  return body.refresh_token;
}

const { createMockServer } = await loadMockServerModule();
const server = createMockServer({ autoLogin: 'user-1', maxEvents: 1, maxActiveRefreshTokens: N + 100 });
// warm-up: keys, JIT, caches
await rotate(server, await login(server));

const h0 = await heap();
const tokens = [];
for (let i = 0; i < N; i += 1) tokens.push(await login(server));
const h1 = await heap();
// the harness itself holds N refresh-token strings (one-byte strings: length + ~16 bytes header); not the server's
const harnessBytes = () => tokens.reduce((a, t) => a + t.length + 16, 0) + N * 8;
const harness1 = harnessBytes();
for (let r = 0; r < R; r += 1) {
  for (let i = 0; i < N; i += 1) tokens[i] = await rotate(server, tokens[i]);
}
const h2 = await heap();
const harness2 = harnessBytes();
const active = server.control.families().filter((f) => f.status === 'active').length;

// Abandoned logins: A calls to /authorize that never finish the login form, on a fresh server (the
// form path, no autoLogin). Pending logins are capped and expire, so the heap must stay bounded
// (issue goal: 5,000 abandoned logins < 20 MB).
const A = Number(process.argv[4] ?? 5000);
const fresh = createMockServer();
const a0 = await heap();
for (let i = 0; i < A; i += 1) {
  const url = new URL(`${ORIGIN}/authorize`);
  const params = {
    response_type: 'code', client_id: MOCK_CLIENT.clientId, redirect_uri: REDIRECT, scope: MOCK_CLIENT.scope,
    state: `s${i}`, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fresh.fetch(new Request(url));
  if (res.status !== 302) throw new Error(`abandoned login ${i}: HTTP ${res.status}`);
}
const a1 = await heap();

process.stdout.write(`${JSON.stringify({
  abandonedLogins: A,
  abandonedLoginsHeapBytes: a1 - a0,
  families: N,
  activeFamiliesReported: active,
  rotationsPerFamily: R,
  bytesPerFamilyAfterLogin: (h1 - h0 - harness1) / N,
  bytesPerFamilyAfterRotations: (h2 - h0 - harness2) / N,
  bytesPerRotation: (h2 - h1 - (harness2 - harness1)) / (N * R),
})}\n`);
