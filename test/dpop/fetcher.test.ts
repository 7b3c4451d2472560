import { describe, expect, it, vi } from 'vitest';
import { GenericError, UseDpopNonceError } from '../../src/errors.js';
import { createFetcher, type FetcherDeps } from '../../src/client/fetcher.js';

const API = 'https://api.rotor.test/api/private';

interface Sent {
  url: string;
  method: string;
  authorization: string | null;
  dpop: string | null;
  body: string;
}

/** A fake resource server: answers each request with the next scripted response (the last one repeats). */
function fakeFetch(...responses: Array<() => Response>) {
  const sent: Sent[] = [];
  const fn = vi.fn(async (request: Request) => {
    sent.push({
      url: request.url,
      method: request.method,
      authorization: request.headers.get('Authorization'),
      dpop: request.headers.get('DPoP'),
      body: await request.text(),
    });
    return responses[Math.min(sent.length - 1, responses.length - 1)]!();
  });
  return { fn, sent };
}

const ok = (headers: Record<string, string> = {}) => () => new Response('{"ok":true}', { status: 200, headers });
const nonceChallenge = (nonce?: string) => () =>
  new Response(null, {
    status: 401,
    headers: { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce"', ...(nonce ? { 'DPoP-Nonce': nonce } : {}) },
  });
const invalidToken = (scheme = 'Bearer') => () =>
  new Response(null, { status: 401, headers: { 'WWW-Authenticate': `${scheme} error="invalid_token", error_description="expired"` } });

function deps(tokenType: 'Bearer' | 'DPoP' = 'DPoP') {
  const nonces = new Map<string | undefined, string>();
  let version = 0;
  // Spies with the arguments the tests check, behind the client methods the fetcher calls.
  const spies = {
    getToken: vi.fn(async (_audience: string | undefined, _scope: string | undefined, o: { force: boolean }) => {
      if (o.force || version === 0) version++;
      return { access_token: `at-${version}`, token_type: tokenType };
    }),
    makeProof: vi.fn(async (url: string, method: string, accessToken: string, nonce: string | undefined) => `proof(${method} ${url} ${accessToken} ${nonce ?? '-'})`),
    nonces: {
      get: vi.fn(async (id?: string) => nonces.get(id)),
      set: vi.fn(async (nonce: string, id?: string) => void nonces.set(id, nonce)),
    },
  };
  const client: FetcherDeps = {
    getTokenSilently: ({ cacheMode, authorizationParams: { audience, scope } }) => spies.getToken(audience, scope, { force: cacheMode === 'off' }),
    generateDpopProof: ({ url, method, accessToken, nonce }) => spies.makeProof(url, method, accessToken, nonce),
    getDpopNonce: (id) => spies.nonces.get(id),
    setDpopNonce: (nonce, id) => spies.nonces.set(nonce, id),
  };
  const d = Object.assign(client, spies);
  return { d, nonces };
}

describe('fetchWithAuth: headers', () => {
  it('Bearer token: Authorization Bearer, no proof', async () => {
    const { d } = deps('Bearer');
    const f = fakeFetch(ok());
    const res = await createFetcher(d, { allowedOrigins: [API, 'https://other.test', 'https://third.test'], fetch: f.fn }).fetchWithAuth(API, undefined, { audience: 'https://api.rotor.test', scope: ['read:x', 'write:x'] });
    expect(res.status).toBe(200);
    expect(f.sent).toEqual([{ url: API, method: 'GET', authorization: 'Bearer at-1', dpop: null, body: '' }]);
    expect(d.getToken).toHaveBeenCalledWith('https://api.rotor.test', 'read:x write:x', { force: false });
    expect(d.makeProof).not.toHaveBeenCalled();
  });

  it('DPoP token: Authorization DPoP plus a proof for this URL, method and token, with the stored nonce', async () => {
    const { d, nonces } = deps();
    nonces.set('api', 'n-0');
    const f = fakeFetch(ok());
    await createFetcher(d, { allowedOrigins: [API, 'https://other.test', 'https://third.test'], fetch: f.fn, dpopNonceId: 'api' }).fetchWithAuth(`${API}?q=1`, { method: 'POST', body: 'payload' });
    expect(f.sent).toEqual([{ url: `${API}?q=1`, method: 'POST', authorization: 'DPoP at-1', dpop: `proof(POST ${API}?q=1 at-1 n-0)`, body: 'payload' }]);
  });

  it('joins relative string URLs to baseUrl; absolute URLs and URL objects are left alone', async () => {
    const { d } = deps('Bearer');
    const f = fakeFetch(ok());
    const fetcher = createFetcher(d, { allowedOrigins: [API, 'https://other.test', 'https://third.test'], fetch: f.fn, baseUrl: 'https://api.rotor.test/v1/' });
    await fetcher.fetchWithAuth('/users');
    await fetcher.fetchWithAuth('https://other.test/x');
    await fetcher.fetchWithAuth(new URL('https://third.test/y'));
    expect(f.sent.map((s) => s.url)).toEqual(['https://api.rotor.test/v1/users', 'https://other.test/x', 'https://third.test/y']);
  });

  it('keeps a DPoP-Nonce the resource sends on success, under its dpopNonceId', async () => {
    const { d, nonces } = deps();
    const f = fakeFetch(ok({ 'DPoP-Nonce': 'n-next' }));
    await createFetcher(d, { allowedOrigins: [API, 'https://other.test', 'https://third.test'], fetch: f.fn, dpopNonceId: 'api' }).fetchWithAuth(API);
    expect(nonces.get('api')).toBe('n-next');
    expect(nonces.has(undefined)).toBe(false);
  });

  it('uses the global fetch by default', async () => {
    const { d } = deps('Bearer');
    const f = fakeFetch(ok());
    vi.stubGlobal('fetch', f.fn);
    try {
      await createFetcher(d, { allowedOrigins: [API] }).fetchWithAuth(API);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(f.sent).toHaveLength(1);
  });
});

describe('fetchWithAuth: use_dpop_nonce', () => {
  it('stores the nonce and retries once with it (same body)', async () => {
    const { d, nonces } = deps();
    const f = fakeFetch(nonceChallenge('n-1'), ok());
    const res = await createFetcher(d, { allowedOrigins: [API, 'https://other.test', 'https://third.test'], fetch: f.fn }).fetchWithAuth(API, { method: 'PUT', body: 'b' });
    expect(res.status).toBe(200);
    expect(f.sent.map((s) => s.dpop)).toEqual([`proof(PUT ${API} at-1 -)`, `proof(PUT ${API} at-1 n-1)`]);
    expect(f.sent.map((s) => s.body)).toEqual(['b', 'b']);
    expect(nonces.get('https://api.rotor.test')).toBe('n-1'); // the resource's origin, never the authorization server's slot
    expect(nonces.has(undefined)).toBe(false);
    expect(d.getToken.mock.calls.every(([, , o]) => !o.force)).toBe(true);
  });

  it('a second use_dpop_nonce throws UseDpopNonceError carrying the newest nonce (2 requests, no loop)', async () => {
    const { d } = deps();
    let n = 0;
    const f = fakeFetch(() => nonceChallenge(`n-${++n}`)());
    const err = await createFetcher(d, { allowedOrigins: [API, 'https://other.test', 'https://third.test'], fetch: f.fn }).fetchWithAuth(API).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UseDpopNonceError);
    expect(err).toBeInstanceOf(GenericError);
    expect(err).toMatchObject({ error: 'use_dpop_nonce', newDpopNonce: 'n-2' });
    expect(f.sent).toHaveLength(2);
  });

  it('use_dpop_nonce without a DPoP-Nonce header cannot be fixed: throws at once', async () => {
    const { d } = deps();
    const f = fakeFetch(nonceChallenge());
    await expect(createFetcher(d, { allowedOrigins: [API, 'https://other.test', 'https://third.test'], fetch: f.fn }).fetchWithAuth(API)).rejects.toMatchObject({ error: 'use_dpop_nonce', newDpopNonce: undefined });
    expect(f.sent).toHaveLength(1);
  });

  it('a Bearer request is never retried for a nonce', async () => {
    const { d } = deps('Bearer');
    const f = fakeFetch(nonceChallenge('n-1'));
    const res = await createFetcher(d, { allowedOrigins: [API, 'https://other.test', 'https://third.test'], fetch: f.fn }).fetchWithAuth(API);
    expect(res.status).toBe(401);
    expect(f.sent).toHaveLength(1);
    expect(d.nonces.set).not.toHaveBeenCalled();
  });
});

describe('fetchWithAuth: 401 invalid_token', () => {
  it.each(['Bearer', 'DPoP'] as const)('%s: refreshes once (forced) and retries with the new token', async (type) => {
    const { d } = deps(type);
    const f = fakeFetch(invalidToken(type), ok());
    const res = await createFetcher(d, { allowedOrigins: [API, 'https://other.test', 'https://third.test'], fetch: f.fn }).fetchWithAuth(API, undefined, { audience: 'aud' });
    expect(res.status).toBe(200);
    expect(f.sent.map((s) => s.authorization)).toEqual([`${type} at-1`, `${type} at-2`]);
    expect(d.getToken.mock.calls).toEqual([
      ['aud', undefined, { force: false }],
      ['aud', undefined, { force: true }],
    ]);
  });

  it('a second invalid_token is returned to the caller: one refresh, two requests, no loop', async () => {
    const { d } = deps();
    const f = fakeFetch(invalidToken('DPoP'));
    const res = await createFetcher(d, { allowedOrigins: [API, 'https://other.test', 'https://third.test'], fetch: f.fn }).fetchWithAuth(API);
    expect(res.status).toBe(401);
    expect(f.sent).toHaveLength(2);
    expect(d.getToken.mock.calls.filter(([, , o]) => o.force)).toHaveLength(1);
  });

  it('nonce retry and refresh retry each happen at most once (3 requests at most)', async () => {
    const { d } = deps();
    const f = fakeFetch(nonceChallenge('n-1'), invalidToken('DPoP'), nonceChallenge('n-2'), ok());
    await expect(createFetcher(d, { allowedOrigins: [API, 'https://other.test', 'https://third.test'], fetch: f.fn }).fetchWithAuth(API)).rejects.toBeInstanceOf(UseDpopNonceError);
    expect(f.sent).toHaveLength(3);
  });

  it('other 401s and errors are returned as they are', async () => {
    const { d } = deps();
    const f = fakeFetch(() => new Response(null, { status: 401, headers: { 'WWW-Authenticate': 'DPoP error="insufficient_scope"' } }));
    expect((await createFetcher(d, { allowedOrigins: [API, 'https://other.test', 'https://third.test'], fetch: f.fn }).fetchWithAuth(API)).status).toBe(401);
    const g = fakeFetch(() => new Response('down', { status: 503 }));
    expect((await createFetcher(d, { allowedOrigins: [API, 'https://other.test', 'https://third.test'], fetch: g.fn }).fetchWithAuth(API)).status).toBe(503);
    expect(f.sent.length + g.sent.length).toBe(2);
  });

  it('a failing token lookup (e.g. login_required) rejects without a request', async () => {
    const { d } = deps();
    d.getToken.mockRejectedValueOnce(new GenericError('login_required', 'Login required'));
    const f = fakeFetch(ok());
    await expect(createFetcher(d, { allowedOrigins: [API, 'https://other.test', 'https://third.test'], fetch: f.fn }).fetchWithAuth(API)).rejects.toMatchObject({ error: 'login_required' });
    expect(f.sent).toHaveLength(0);
  });
});
