// Browser-side helpers shared by the browser phases: launch options, the
// bench page, logins that never leave the page, mock-server event counts.
import { existsSync } from 'node:fs';
import { MOCK_CLIENT } from '../servers/mock.mjs';
import { keepAliveAgent, request } from './http-client.mjs';
import { withTimeout } from './stats.mjs';

export const STEP_TIMEOUT = 30_000;

export function launchOptions() {
  const executablePath = existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
  return {
    headless: true,
    executablePath,
    chromiumSandbox: false,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  };
}

/** Client options both SDKs take (auth0-spa-js v2 names), against `mock`. */
export function clientConfig(mock, cacheLocation = 'localstorage', extra = {}) {
  return {
    mockOrigin: mock.url,
    clientId: MOCK_CLIENT.clientId,
    audience: MOCK_CLIENT.extra.audience,
    scope: MOCK_CLIENT.scope,
    cacheLocation,
    ...extra,
  };
}

export const evaluate = (page, fn, arg, what) => withTimeout(page.evaluate(fn, arg), STEP_TIMEOUT, what);

export async function openBenchPage(page, app) {
  await page.goto(`${app.origin}/bench.html`);
  await page.waitForFunction(() => !!window.bench);
}

/**
 * Follows an authorize URL from Node (the mock server signs the user in
 * automatically) to the redirect URI; returns the callback URL.
 */
async function followToCallback(authorizeUrl, redirectPrefix) {
  const agent = keepAliveAgent(1);
  try {
    let next = authorizeUrl;
    for (let hop = 0; hop < 8; hop += 1) {
      if (next.startsWith(redirectPrefix)) return next;
      const res = await request(agent, next);
      if (res.status < 300 || res.status >= 400 || !res.headers.location) throw new Error(`login stopped at ${next}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
      next = new URL(res.headers.location, next).toString();
    }
    throw new Error('login: too many redirects');
  } finally {
    agent.destroy();
  }
}

/**
 * A real authorization-code + PKCE login of client `name` without leaving
 * the page: the SDK builds the authorize URL (loginWithRedirect's openUrl),
 * Node follows it, the SDK handles the callback URL. Same path for both SDKs,
 * and clients on a memory cache survive it.
 */
export async function inPageLogin(page, app, name, sdk, cfg) {
  await evaluate(page, ([n, s, c]) => window.bench.setup(n, s, c), [name, sdk, cfg], `${sdk} setup`);
  const url = await evaluate(page, (n) => window.bench.startLogin(n), name, `${sdk} login`);
  const callback = await followToCallback(url, `${app.origin}/`);
  const ok = await evaluate(page, ([n, u]) => window.bench.finishLogin(n, u), [name, callback], `${sdk} callback`);
  if (!ok) throw new Error(`${sdk}: not authenticated after the login`);
}

/** Mock-server event bookkeeping: a mark, then what happened since. */
export function lastSeq(mock) {
  const events = mock.mock.control.events();
  return events.length ? events[events.length - 1].seq : 0;
}

const isNonceEvent = (e) => /nonce/i.test(e.type) || e.error === 'use_dpop_nonce' || e.detail?.error === 'use_dpop_nonce';

export function eventsSince(mock, seq) {
  const events = mock.mock.control.events({ since: seq });
  const refreshes = events.filter((e) => e.type === 'token_request' && e.grant_type === 'refresh_token');
  return {
    refreshRequests: refreshes.length,
    tokenRequests: events.filter((e) => e.type === 'token_request').length,
    rotations: events.filter((e) => e.type === 'refresh_token.rotated').length,
    reuseDetected: events.filter((e) => e.type === 'refresh_token.reuse_detected').length,
    nonceEvents: events.filter(isNonceEvent).length,
    dpopRejected: events.filter((e) => e.type === 'dpop.rejected').length,
  };
}

/**
 * Watches the token endpoint from the browser side: every POST, and every
 * answer that is a DPoP nonce challenge (`use_dpop_nonce`), which the rows
 * count apart from refreshes.
 */
export function watchTokenRequests(context, mock) {
  const seen = { posts: 0, nonceChallenges: 0, requests: [] };
  const tokenUrl = `${mock.url}/oauth/token`;
  context.on('request', (req) => {
    if (req.method() === 'POST' && req.url() === tokenUrl) {
      seen.posts += 1;
      seen.requests.push(req);
    }
  });
  context.on('response', async (res) => {
    if (res.request().method() !== 'POST' || res.url() !== tokenUrl || res.status() < 400) return;
    try {
      const body = await res.json();
      if (body?.error === 'use_dpop_nonce') seen.nonceChallenges += 1;
    } catch { /* not JSON: not a nonce challenge */ }
  });
  return seen;
}
