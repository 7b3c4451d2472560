// Minimal node:http client for the loopback benchmarks: keep-alive agent,
// form posts, and an authorization-code + PKCE login that follows redirects
// with a cookie jar (enough for the mock server's auto-login and for
// oidc-provider's interaction redirects).
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';

export function keepAliveAgent(maxSockets = 16) {
  return new http.Agent({ keepAlive: true, maxSockets });
}

/** One HTTP request; resolves { status, headers, body } (body as string). */
export function request(agent, url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`request to ${url} timed out`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export function postForm(agent, url, params, extraHeaders = {}) {
  const body = new URLSearchParams(params).toString();
  return request(agent, url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), ...extraHeaders },
    body,
  });
}

const b64url = (buf) => buf.toString('base64url');

/**
 * Authorization code + PKCE (S256) login. Follows up to 12 redirects, keeps
 * cookies, stops at the redirect URI and exchanges the code.
 * Returns the token response JSON.
 */
export async function loginWithCode(agent, { authorizeUrl, tokenUrl, clientId, redirectUri, scope, extra = {} }) {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const state = b64url(randomBytes(12));
  const url = new URL(authorizeUrl);
  const params = {
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope,
    state, nonce: b64url(randomBytes(12)), code_challenge: challenge, code_challenge_method: 'S256', ...extra,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);

  const jar = new Map();
  let next = url.toString();
  for (let hop = 0; hop < 12; hop += 1) {
    if (next.startsWith(redirectUri)) {
      const cb = new URL(next);
      const code = cb.searchParams.get('code');
      if (!code) throw new Error(`login failed: ${cb.search}`);
      if (cb.searchParams.get('state') !== state) throw new Error('login failed: state mismatch');
      const res = await postForm(agent, tokenUrl, {
        grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: redirectUri, code_verifier: verifier,
      });
      if (res.status !== 200) throw new Error(`code exchange failed: ${res.status} ${res.body}`);
      return JSON.parse(res.body);
    }
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await request(agent, next, { headers: cookie ? { cookie } : {} });
    for (const line of [res.headers['set-cookie'] ?? []].flat()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1));
    }
    if (res.status < 300 || res.status >= 400 || !res.headers.location) {
      throw new Error(`login stopped at ${next}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
    }
    next = new URL(res.headers.location, next).toString();
  }
  throw new Error('login: too many redirects');
}
