// Session events of one tab: client.on(type, listener) → unsubscribe, client.close().
import { exportJWK, generateKeyPair, SignJWT, decodeJwt, type JWK } from 'jose';
import { http, HttpResponse } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InMemoryCache, type SessionEvent } from '../../src/index.js';
import type { AuthClient } from '../../src/client/client.js';
import { listen, type Listeners } from '../../src/session/events.js';
import { dispatch } from '../../src/session/tab-sync.js';
import { openTabSync } from '../../src/session/tab-sync.js';
import { advance, API, AUTH, harness, login, makeClient, rejectionOf, useFakeDate } from './helpers.js';

const h = harness();
useFakeDate();
beforeEach(() => void h.start());
afterEach(() => vi.unstubAllGlobals());

/** Every event the client delivers, in order. */
function record(client: AuthClient): SessionEvent[] {
  const seen: SessionEvent[] = [];
  client.on('signedIn', (e) => seen.push(e));
  client.on('signedOut', (e) => seen.push(e));
  client.on('tokenRefreshed', (e) => seen.push(e));
  return seen;
}

describe('session events of this tab', () => {
  it('signedIn after the code exchange, tokenRefreshed with the audience and the new expiry, signedOut logout', async () => {
    const client = makeClient({ cache: new InMemoryCache() });
    const seen = record(client);
    await login(h, client);
    expect(seen).toEqual([{ type: 'signedIn' }]);

    const before = Date.now();
    const token = await client.getTokenSilently({ cacheMode: 'off', detailedResponse: true });
    expect(seen).toHaveLength(2);
    const refreshed = seen[1]!;
    expect(refreshed).toMatchObject({ type: 'tokenRefreshed', audience: API });
    const expiresAt = (refreshed as { expiresAt: number }).expiresAt;
    expect(expiresAt).toBe(decodeJwt(token.access_token).exp! * 1000);
    expect(expiresAt).toBeGreaterThan(before);

    await client.logout({ openUrl: false });
    expect(seen.at(-1)).toEqual({ type: 'signedOut', reason: 'logout' });
    expect(seen).toHaveLength(3);
    client.close();
  });

  it('signedOut invalid_grant when the family was revoked by reuse detection (an attacker replayed a retired token)', async () => {
    const client = makeClient({ cache: new InMemoryCache() });
    await login(h, client);
    await client.getTokenSilently({ cacheMode: 'off' });
    const seen = record(client);
    const [family] = h.mock.control.families();
    expect(await h.mock.control.replay(family!.id)).toMatchObject({ status: 403 });

    const e = await rejectionOf(client.getTokenSilently({ cacheMode: 'off' }));
    expect(e.error).toBe('invalid_grant');
    expect(seen).toEqual([{ type: 'signedOut', reason: 'invalid_grant' }]);
    expect(await client.isAuthenticated()).toBe(false);
    client.close();
  });

  it('signedOut invalid_id_token after a hostile refresh response (the family lock revokes the family)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'hostile', alg: 'RS256', use: 'sig' };
    const client = makeClient({ cache: new InMemoryCache() });
    await login(h, client);
    const seen = record(client);
    h.use(
      http.get(`${AUTH}/.well-known/jwks.json`, async ({ request }) => {
        const real = (await (await h.mock.fetch(request)).json()) as { keys: JWK[] };
        return HttpResponse.json({ keys: [...real.keys, jwk] });
      }),
      http.post(`${AUTH}/oauth/token`, async ({ request }) => {
        const body = (await (await h.mock.fetch(request)).json()) as Record<string, string>;
        const idToken = await new SignJWT({ ...decodeJwt(body.id_token ?? ''), sub: 'user-2' }).setProtectedHeader({ alg: 'RS256', kid: 'hostile' }).sign(privateKey);
        return HttpResponse.json({ ...body, id_token: idToken });
      }),
    );
    advance(3600);
    expect((await rejectionOf(client.getTokenSilently())).error).toBe('invalid_id_token');
    expect(seen.at(-1)).toEqual({ type: 'signedOut', reason: 'invalid_id_token' });
    expect(seen.filter((e) => e.type === 'signedOut')).toHaveLength(1);
    client.close();
  });

  it('one signedOut per session: a second sign-out with nothing signed in says nothing; the next login starts a new session', async () => {
    const client = makeClient({ cache: new InMemoryCache() });
    const seen = record(client);
    await login(h, client);
    await client.logout({ openUrl: false });
    await client.logout({ openUrl: false });
    expect(seen).toEqual([{ type: 'signedIn' }, { type: 'signedOut', reason: 'logout' }]);
    await login(h, client);
    await client.logout({ openUrl: false });
    expect(seen.map((e) => e.type)).toEqual(['signedIn', 'signedOut', 'signedIn', 'signedOut']);
  });

  it('the returned function removes exactly that listener', async () => {
    const client = makeClient({ cache: new InMemoryCache() });
    const a: string[] = [];
    const b: string[] = [];
    const offA = client.on('tokenRefreshed', (e) => a.push(e.audience));
    client.on('tokenRefreshed', (e) => b.push(e.audience));
    await login(h, client);
    await client.getTokenSilently({ cacheMode: 'off' });
    offA();
    offA(); // twice is harmless
    await client.getTokenSilently({ cacheMode: 'off' });
    expect(a).toEqual([API]);
    expect(b).toEqual([API, API]);
    client.close();
  });

  it('a listener that throws is reported, the others still run, and the SDK call resolves', async () => {
    const reported: unknown[] = [];
    vi.stubGlobal('reportError', (e: unknown) => reported.push(e));
    const client = makeClient({ cache: new InMemoryCache() });
    const boom = new Error('app bug');
    client.on('signedIn', () => {
      throw boom;
    });
    const after: string[] = [];
    client.on('signedIn', (e) => after.push(e.type));
    await login(h, client);
    expect(await client.isAuthenticated()).toBe(true);
    expect(reported).toEqual([boom]);
    expect(after).toEqual(['signedIn']);
    client.close();
  });

  it('close() drops every listener and the BroadcastChannel: nothing is delivered afterwards', async () => {
    const client = makeClient({ cache: new InMemoryCache() });
    const seen = record(client);
    await login(h, client);
    client.close();
    await client.getTokenSilently({ cacheMode: 'off' });
    // Another tab's logout no longer reaches this client (its channel is closed): its tokens stay.
    const other = openTabSync('rotor-auth:demo');
    other.post({ type: 'logout' });
    other.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([{ type: 'signedIn' }]);
    expect(await client.isAuthenticated()).toBe(true);
  });
});

describe('listen + dispatch', () => {
  it('calls listeners of the event type only, in subscription order; one unsubscribing itself does not skip the next', () => {
    const listeners: Listeners = new Set();
    const calls: string[] = [];
    const off = listen(listeners, 'signedOut', (e) => {
      calls.push(`first:${e.reason}`);
      off();
    });
    listen(listeners, 'signedOut', (e) => calls.push(`second:${e.reason}`));
    listen(listeners, 'signedIn', () => calls.push('signedIn'));
    dispatch(listeners, { type: 'signedOut', reason: 'logout' });
    dispatch(listeners, { type: 'signedOut', reason: 'other_tab' });
    expect(calls).toEqual(['first:logout', 'second:logout', 'second:other_tab']);
  });
});
