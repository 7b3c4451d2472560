// The refresh token's horizon (issue 24): refresh_token_expires_in → the family record's expires_at,
// getSessionExpiry(), sessionExpiring once ahead of the end, and no refresh sent past it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InMemoryCache, SessionExpiredError, type SessionEvent } from '../../src/index.js';
import { refreshExpiresIn } from '../../src/protocol/token-endpoint.js';
import { isFamily } from '../../src/cache/entries.js';
import { advance, harness, login, makeClient, rejectionOf, tokenRequests, useFakeDate } from './helpers.js';

const h = harness();
useFakeDate();
const ABSOLUTE = 3600;
beforeEach(() => void h.start({ absoluteTtl: ABSOLUTE, accessTokenTtl: 600 }));
afterEach(() => vi.useRealTimers());

describe('refresh-token lifetime spellings', () => {
  it('accepts refresh_token_expires_in (Auth0, Okta, Entra) and refresh_expires_in (Keycloak); 0, junk and absence mean unknown', () => {
    expect(refreshExpiresIn({ refresh_token_expires_in: 86400 })).toBe(86400);
    expect(refreshExpiresIn({ refresh_expires_in: 1800 })).toBe(1800);
    expect(refreshExpiresIn({ refresh_token_expires_in: '60' })).toBeUndefined();
    expect(refreshExpiresIn({ refresh_expires_in: 0 })).toBeUndefined();
    expect(refreshExpiresIn({ refresh_token_expires_in: 'soon' })).toBeUndefined();
    expect(refreshExpiresIn({})).toBeUndefined();
  });

  it('a family record stored before expires_at existed is still a family record', () => {
    const old = { v: 1, family: 'f', refresh_token: 'rt', created_at: 1, updated_at: 2, seq: 3 };
    expect(isFamily(old)).toBe(true);
    expect(isFamily({ ...old, expires_at: 5 })).toBe(true);
    expect(isFamily({ ...old, expires_at: 'x' })).toBe(false);
  });
});

describe('the family horizon', () => {
  it('getSessionExpiry() reports the absolute end the server sent at login, and keeps it across a refresh', async () => {
    const client = makeClient({ cache: new InMemoryCache() });
    const start = Date.now();
    await login(h, client);
    expect(await client.getSessionExpiry()).toEqual({ absoluteExpiresAt: start + ABSOLUTE * 1000 });
    advance(700);
    await client.getTokenSilently();
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(1);
    expect(await client.getSessionExpiry()).toEqual({ absoluteExpiresAt: start + ABSOLUTE * 1000 });
    client.close();
  });

  it('past the horizon: login_required at once, no request sent, the family purged, isAuthenticated() false', async () => {
    const client = makeClient({ cache: new InMemoryCache() });
    const seen: SessionEvent[] = [];
    client.on('signedOut', (e) => seen.push(e));
    await login(h, client);
    advance(ABSOLUTE + 1);
    const e = await rejectionOf(client.getTokenSilently());
    expect(e).toBeInstanceOf(SessionExpiredError);
    expect(e).toMatchObject({ error: 'login_required', reason: 'absolute' });
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(0);
    expect(seen).toEqual([{ type: 'signedOut', reason: 'login_required' }]);
    expect(await client.isAuthenticated()).toBe(false);
    expect(await client.getSessionExpiry()).toEqual({});
    client.close();
  });

  it('isAuthenticated() is false past the horizon even before any token call (and purges)', async () => {
    const client = makeClient({ cache: new InMemoryCache() });
    await login(h, client);
    expect(await client.isAuthenticated()).toBe(true);
    advance(ABSOLUTE);
    expect(await client.isAuthenticated()).toBe(false);
    expect(await client.getUser()).toBeUndefined();
    client.close();
  });

});

describe('sessionExpiring', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    vi.setSystemTime(new Date('2026-11-23T12:00:00Z'));
  });

  it('fires once per family, lead time ahead of the end, then the end purges the family (signedOut login_required) with no request', async () => {
    const client = makeClient({ cache: new InMemoryCache(), sessionExpiringLeadInSeconds: 120 });
    const seen: SessionEvent[] = [];
    client.on('sessionExpiring', (e) => seen.push(e));
    client.on('signedOut', (e) => seen.push(e));
    const start = Date.now();
    await login(h, client);
    const end = start + ABSOLUTE * 1000;
    await vi.advanceTimersByTimeAsync((ABSOLUTE - 121) * 1000);
    expect(seen).toEqual([]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(seen).toEqual([{ type: 'sessionExpiring', expiresAt: end, reason: 'absolute' }]);
    // a refresh in the lead window does not warn again
    await client.getTokenSilently({ cacheMode: 'off' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(seen.at(-1)).toEqual({ type: 'signedOut', reason: 'login_required' });
    expect(seen).toHaveLength(2);
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(1);
    expect(await client.isAuthenticated()).toBe(false);
    client.close();
  });

  it('a session already inside the lead window at startup warns at once; after close() nothing fires', async () => {
    const cache = new InMemoryCache();
    const first = makeClient({ cache });
    await login(h, first);
    first.close();
    advance(ABSOLUTE - 60);
    const client = makeClient({ cache });
    const seen: SessionEvent[] = [];
    client.on('sessionExpiring', (e) => seen.push(e));
    await client.checkSession().catch(() => undefined);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toHaveLength(1);
    client.close();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(seen).toHaveLength(1); // closed: no purge and no event at the end
  });
});
