import { exportJWK, generateKeyPair, SignJWT, decodeJwt, type JWK } from 'jose';
import { http, HttpResponse } from 'msw';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdTokenValidationError, InMemoryCache, OAuthError, TimeoutError } from '../../src/index.js';
import { NO_REFRESH_TOKEN_HINT } from '../../src/flows/authorize.js';
import { openTabSync, type TabMessage } from '../../src/session/tab-sync.js';
import type { AuthClient } from '../../src/client/client.js';
import { advance, AUTH, OTHER_API, events, harness, login, makeClient, rejectionOf, tokenRequests, useFakeDate } from './helpers.js';

const h = harness();

useFakeDate();

interface Session {
  client: AuthClient;
  cache: InMemoryCache;
  /** The SDK's local family id. */
  family: string;
  /** The refresh token the SDK holds. */
  heldRefreshToken(): string | undefined;
}

async function signedIn(clientOptions: Parameters<typeof makeClient>[0] = {}): Promise<Session> {
  const cache = new InMemoryCache();
  const client = makeClient({ cache, ...clientOptions });
  await login(h, client);
  const key = cache.allKeys().find((k) => k.startsWith('@@rotor@@::demo::rt::'));
  if (!key) throw new Error('no refresh token cached');
  return {
    client,
    cache,
    family: key.slice('@@rotor@@::demo::rt::'.length),
    heldRefreshToken: () => cache.get<{ refresh_token: string }>(key)?.refresh_token,
  };
}

function serverFamily() {
  const families = h.mock.control.families();
  expect(families).toHaveLength(1);
  return families[0]!;
}
const current = () => serverFamily().tokens.at(-1)?.value;

describe('rotation', () => {
  beforeEach(() => void h.start());

  it('refreshes early inside leeway, stores the new refresh token and announces the rotation', async () => {
    const s = await signedIn();
    const first = await s.client.getTokenSilently();
    const rt1 = s.heldRefreshToken();
    advance(3600 - 90);
    expect(await s.client.getTokenSilently()).toBe(first); // outside leeway: cached
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(0);

    const sync = openTabSync('rotor-auth:demo');
    const heard = new Promise<TabMessage>((resolve) => sync.subscribe(resolve));
    advance(60); // 30 s before expiry: inside the 60 s leeway
    const second = await s.client.getTokenSilently();
    expect(second).not.toBe(first);
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(1);
    expect(s.heldRefreshToken()).not.toBe(rt1);
    expect(s.heldRefreshToken()).toBe(current());
    expect(serverFamily()).toMatchObject({ status: 'active', rotations: 1 });
    expect(await heard).toEqual({ type: 'rotated', family: s.family });
    sync.close();
    // the refreshed ID token replaced the cached one
    expect((await s.client.getIdTokenClaims())?.iat).toBe(Math.floor(Date.now() / 1000));
  });

  it('concurrent calls share one token request', async () => {
    const s = await signedIn();
    advance(3600);
    const tokens = await Promise.all(Array.from({ length: 20 }, () => s.client.getTokenSilently()));
    expect(new Set(tokens).size).toBe(1);
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(1);
  });

  it("concurrent cacheMode 'off' calls share one fresh exchange", async () => {
    const s = await signedIn();
    const cached = await s.client.getTokenSilently();
    const tokens = await Promise.all([1, 2, 3].map(() => s.client.getTokenSilently({ cacheMode: 'off' })));
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(cached);
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(1);
  });

  it('two audiences sharing one refresh token never present it twice', async () => {
    const s = await signedIn();
    await s.client.getTokenSilently({ authorizationParams: { audience: OTHER_API } });
    advance(3600);
    const calls = [undefined, OTHER_API, undefined, OTHER_API, undefined, OTHER_API].map((audience) =>
      s.client.getTokenSilently(audience ? { authorizationParams: { audience } } : {}),
    );
    const tokens = await Promise.all(calls);
    expect(new Set(tokens).size).toBe(2);
    expect(decodeJwt(tokens[1]!).aud).toContain(OTHER_API);
    // one login refresh for OTHER_API earlier + one per audience now
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(3);
    expect(events(h, 'refresh_token.reuse_detected')).toHaveLength(0);
    expect(serverFamily()).toMatchObject({ status: 'active', rotations: 3 });
    expect(s.heldRefreshToken()).toBe(current());
  });

  it('two clients sharing a cache in one tab: one exchange, the second re-reads inside the lock', async () => {
    const s = await signedIn();
    const twin = makeClient({ cache: s.cache });
    advance(3600);
    const [a, b] = await Promise.all([s.client.getTokenSilently(), twin.getTokenSilently()]);
    expect(a).toBe(b);
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(1);
    expect(events(h, 'refresh_token.reuse_detected')).toHaveLength(0);
  });
});

describe('transient failures never discard the refresh token', () => {
  beforeEach(() => void h.start());

  it.each([
    [429, 'too_many_requests'],
    [500, 'server_error'],
    [503, 'temporarily_unavailable'],
  ])('HTTP %i then success keeps the session', async (status, error) => {
    const s = await signedIn();
    const rt = s.heldRefreshToken();
    advance(3600);
    h.mock.control.faults({ failNext: { status: status as 429 | 500 | 503 } });
    const e = await rejectionOf(s.client.getTokenSilently());
    expect(e).toBeInstanceOf(OAuthError);
    expect(e).toMatchObject({ error, status });
    expect(await s.client.isAuthenticated()).toBe(true);
    expect(s.heldRefreshToken()).toBe(rt);
    if (status === 429) {
      // Retry-After (the mock sends 1 s) is honoured: nothing is sent before it, the typed transient error says how long.
      expect(e).toMatchObject({ retryAfter: 1 });
      expect(await rejectionOf(s.client.getTokenSilently())).toMatchObject({ error: 'temporarily_unavailable', retryAfter: 1 });
      expect(tokenRequests(h, 'refresh_token')).toHaveLength(1);
      advance(1);
    }
    const token = await s.client.getTokenSilently();
    expect(typeof token).toBe('string');
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(2);
    expect(serverFamily().status).toBe('active');
    expect(s.heldRefreshToken()).toBe(current());
  });

  it('a network failure before the server is retried once with the same token', async () => {
    const s = await signedIn();
    advance(3600);
    h.use(http.post(`${AUTH}/oauth/token`, () => HttpResponse.error(), { once: true }));
    await s.client.getTokenSilently();
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(1); // the first never reached the server
    expect(s.heldRefreshToken()).toBe(current());
  });

  it('a non-OAuth 502 page is a NetworkError and keeps the session', async () => {
    const s = await signedIn();
    const rt = s.heldRefreshToken();
    advance(3600);
    h.use(http.post(`${AUTH}/oauth/token`, () => HttpResponse.text('<html>Bad gateway</html>', { status: 502 }), { once: true }));
    const e = await rejectionOf(s.client.getTokenSilently());
    expect(e).toMatchObject({ error: 'network_error', status: 502 });
    expect(s.heldRefreshToken()).toBe(rt);
    expect(await s.client.isAuthenticated()).toBe(true);
  });

  it('timeouts are retried once, then surface as TimeoutError with the token kept', async () => {
    h.start({ reuseInterval: 30 });
    const s = await signedIn();
    const impatient = makeClient({ cache: s.cache, httpTimeoutInSeconds: 1 });
    const rt = s.heldRefreshToken();
    advance(3600);
    h.mock.control.faults({ delayMs: 2000 });
    const e = await rejectionOf(impatient.getTokenSilently());
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e.error).toBe('timeout');
    expect(s.heldRefreshToken()).toBe(rt);
    expect(await s.client.isAuthenticated()).toBe(true);
    h.mock.control.faults({ clear: true });
    await vi.waitFor(() => expect(tokenRequests(h, 'refresh_token').every((ev) => ev.status !== undefined)).toBe(true), { timeout: 5000 });
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(2); // the first attempt and its one retry
    // the server did rotate (the answers were lost): inside the reuse interval the held token still works
    await s.client.getTokenSilently();
    expect(events(h, 'refresh_token.reuse_detected')).toHaveLength(0);
    expect(s.heldRefreshToken()).toBe(current());
  });
});

describe('lost rotation response', () => {
  it('inside the reuse interval: the one retry recovers the session', async () => {
    h.start({ reuseInterval: 10 });
    const s = await signedIn();
    const rt1 = s.heldRefreshToken();
    advance(3600);
    h.mock.control.faults({ dropNextRotation: true });
    const token = await s.client.getTokenSilently();
    expect(typeof token).toBe('string');
    const requests = tokenRequests(h, 'refresh_token');
    expect(requests).toHaveLength(2);
    expect(events(h, 'refresh_token.reuse_interval')).toHaveLength(1);
    expect(events(h, 'refresh_token.reuse_detected')).toHaveLength(0);
    expect(serverFamily().status).toBe('active');
    expect(s.heldRefreshToken()).not.toBe(rt1);
    expect(s.heldRefreshToken()).toBe(current());
  });

  it('a 200 whose body breaks off is a lost response too: retried once with the same token, no reuse', async () => {
    h.start({ reuseInterval: 10 });
    const s = await signedIn();
    advance(3600);
    h.use(
      http.post(
        `${AUTH}/oauth/token`,
        async ({ request }) => {
          const res = await h.mock.fetch(request); // the server rotates ...
          const body = new ReadableStream({ start: (c) => c.error(new TypeError('network error')) }); // ... its answer breaks off
          return new HttpResponse(body, { status: res.status, headers: { 'Content-Type': 'application/json' } });
        },
        { once: true },
      ),
    );
    expect(typeof (await s.client.getTokenSilently())).toBe('string');
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(2);
    expect(events(h, 'refresh_token.reuse_interval')).toHaveLength(1);
    expect(events(h, 'refresh_token.reuse_detected')).toHaveLength(0);
    expect(s.heldRefreshToken()).toBe(current());
  });

  it('outside the reuse interval: invalid_grant, the family leaves the cache', async () => {
    h.start({ reuseInterval: 0 });
    const s = await signedIn();
    advance(3600);
    h.mock.control.faults({ dropNextRotation: true });
    const e = await rejectionOf(s.client.getTokenSilently());
    expect(e).toBeInstanceOf(OAuthError);
    expect(e).toMatchObject({ error: 'invalid_grant', status: 403, error_description: 'Unknown or invalid refresh token.' });
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(2);
    expect(serverFamily()).toMatchObject({ status: 'revoked', reason: 'reuse_detected' });
    expect(await s.client.isAuthenticated()).toBe(false);
    expect(s.cache.allKeys()).toEqual([]);
  });
});

describe('reuse detection', () => {
  beforeEach(() => void h.start());

  it('a replayed refresh token revokes the family; the next refresh signs the user out everywhere in the cache', async () => {
    const s = await signedIn();
    await s.client.getTokenSilently({ authorizationParams: { audience: OTHER_API } }); // rotates once
    const fam = serverFamily();
    const replay = await h.mock.control.replay(fam.id);
    expect(replay.status).toBe(403);
    expect(h.mock.control.family(fam.id)?.status).toBe('revoked');
    expect(await s.client.isAuthenticated()).toBe(true); // nothing known yet
    advance(3600);
    const e = await rejectionOf(s.client.getTokenSilently());
    expect(e).toMatchObject({ error: 'invalid_grant' });
    expect(await s.client.isAuthenticated()).toBe(false);
    expect(await s.client.getUser()).toBeUndefined();
    expect(await s.client.getTokenSilently({ cacheMode: 'cache-only', authorizationParams: { audience: OTHER_API } })).toBeUndefined();
    expect(s.cache.allKeys()).toEqual([]);
  });
});

describe('other ways a family ends', () => {
  beforeEach(() => void h.start());

  it('revoked consent: invalid_grant and a clean cache', async () => {
    const s = await signedIn();
    h.mock.control.revokeConsent('user-1');
    advance(3600);
    const e = await rejectionOf(s.client.getTokenSilently());
    expect(e).toMatchObject({ error: 'invalid_grant' });
    expect(await s.client.isAuthenticated()).toBe(false);
    expect(s.cache.allKeys()).toEqual([]);
  });

  it('an API without offline access issues no refresh token: missing_refresh_token once the token expires', async () => {
    const cache = new InMemoryCache();
    const client = makeClient({ cache, authorizationParams: { redirect_uri: 'https://app.rotor.test/cb', audience: 'https://no-offline.rotor.test' } });
    await login(h, client);
    expect(cache.allKeys().some((k) => k.includes('::rt::'))).toBe(false);
    expect(await client.isAuthenticated()).toBe(true);
    advance(3600);
    const e = await rejectionOf(client.getTokenSilently());
    expect(e).toMatchObject({ error: 'missing_refresh_token' });
    expect(e.message).toBe(`Missing Refresh Token (audience: 'https://no-offline.rotor.test', scope: 'openid profile email offline_access'): ${NO_REFRESH_TOKEN_HINT}`);
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(0);
  });
});

describe('ID tokens on refresh', () => {
  let foreign: { kid: string; key: CryptoKey; jwk: JWK };
  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    foreign = { kid: 'test-key', key: privateKey, jwk: { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' } };
  });
  beforeEach(() => void h.start());

  it('must keep sub: a changed sub is a hostile response: the family is revoked at the server and purged (issue 10 reverses "nothing cached")', async () => {
    const s = await signedIn();
    await s.client.getTokenSilently();
    h.use(
      http.get(`${AUTH}/.well-known/jwks.json`, async ({ request }) => {
        const real = (await (await h.mock.fetch(request)).json()) as { keys: JWK[] };
        return HttpResponse.json({ keys: [...real.keys, foreign.jwk] });
      }),
      http.post(`${AUTH}/oauth/token`, async ({ request }) => {
        const body = (await (await h.mock.fetch(request)).json()) as Record<string, string>;
        const claims = decodeJwt(body.id_token ?? '');
        const idToken = await new SignJWT({ ...claims, sub: 'user-2' }).setProtectedHeader({ alg: 'RS256', kid: foreign.kid }).sign(foreign.key);
        return HttpResponse.json({ ...body, id_token: idToken });
      }),
    );
    advance(3600);
    const e = await rejectionOf(s.client.getTokenSilently());
    expect(e).toBeInstanceOf(IdTokenValidationError);
    expect(e.message).toBe('Refreshed ID token "sub" changed from "user-1" to "user-2"');
    expect(serverFamily()).toMatchObject({ status: 'revoked' });
    expect(s.cache.allKeys()).toEqual([]);
    expect(await s.client.isAuthenticated()).toBe(false);
    expect(events(h, 'refresh_token.reuse_detected')).toHaveLength(0);
  });
});
