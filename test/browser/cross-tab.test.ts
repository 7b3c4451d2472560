/**
 * Two AuthClients in Chromium sharing localStorage / IndexedDB, against the
 * real mock server over HTTP: the refresh lock here is the browser's real Web
 * Locks API and the announcements go over a real BroadcastChannel.
 */
import { del, get, keys, set } from 'idb-keyval';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAuthClient } from '../../src/client/client.js';
import { webLocks } from '../../src/lock.js';
import { openTabSync, type TabMessage } from '../../src/session/tab-sync.js';
import { AUTH, CLIENT_ID, control, events, expireAccessTokens, idbStore, REDIRECT, refreshRequests, signIn } from './helpers.js';

describe.each([
  { name: 'localstorage', cacheLocation: 'localstorage' as const },
  { name: 'indexeddb', cacheLocation: 'indexeddb' as const },
])('two tabs in Chromium sharing $name', ({ cacheLocation }) => {
  beforeEach(async () => {
    await control('reset', {});
    localStorage.clear();
    for (const k of await keys(idbStore)) await del(k, idbStore);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const options = () => ({
    domain: AUTH,
    clientId: CLIENT_ID,
    cacheLocation,
    authorizationParams: { redirect_uri: REDIRECT, audience: 'https://api.rotor.test' },
  });

  it('coordinate the refresh through Web Locks: one refresh request, no reuse detection', async () => {
    expect(webLocks()).toBeDefined();
    const tabA = await createAuthClient(options());
    await signIn(tabA);
    const tabB = await createAuthClient(options());
    expect(await tabB.isAuthenticated()).toBe(true);

    const seen: TabMessage[] = [];
    const sync = openTabSync(`rotor-auth:${CLIENT_ID}`);
    const rotated = new Promise<void>((resolve) =>
      sync.subscribe((m) => {
        seen.push(m);
        if (m.type === 'rotated') resolve();
      }),
    );
    try {
      await control('faults', { delayMs: 50 });
      await expireAccessTokens();
      const lockRequests = vi.spyOn(navigator.locks, 'request'); // observe (and pass through to) the real API
      const tokens = await Promise.all([tabA.getTokenSilently(), tabB.getTokenSilently(), tabB.getTokenSilently(), tabA.getTokenSilently()]);
      expect(new Set(tokens).size).toBe(1);
      expect(await refreshRequests()).toHaveLength(1);
      expect(await events('refresh_token.reuse_detected')).toHaveLength(0);
      const requested = lockRequests.mock.calls.map((c) => c[0]);
      // Besides the family lock: the rotation marker `{lock}:seq:{n}` the rotating tab holds (src/markers.ts).
      const lockNames = requested.filter((n) => !/:seq:\d+$/.test(n));
      expect(requested.filter((n) => /:seq:\d+$/.test(n)), requested.join(', ')).toEqual([`${lockNames[0]}:seq:1`]);
      expect(lockNames.length).toBeGreaterThanOrEqual(2);
      expect(new Set(lockNames).size).toBe(1);
      expect(lockNames[0]).toMatch(/^rotor-auth:demo:\S+$/);
      lockRequests.mockRestore();
      await rotated;
      expect(seen.filter((m) => m.type === 'rotated')).toHaveLength(1);
    } finally {
      sync.close();
    }
  });

  it('survives corrupt entries: no throw, dropped with one warning, the other tab signs in again', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const tabA = await createAuthClient(options());
      await signIn(tabA);
      const sessionKey = `@@rotor@@::${CLIENT_ID}::id`;
      const corrupt = '{"v":1,"data":{"id_token":';
      if (cacheLocation === 'localstorage') localStorage.setItem(sessionKey, corrupt);
      else await set(sessionKey, corrupt, idbStore);
      const tabB = await createAuthClient(options());
      expect(await tabB.isAuthenticated()).toBe(false);
      expect(await tabA.isAuthenticated()).toBe(false);
      expect(warn.mock.calls.some((c) => String(c[0]).includes(sessionKey))).toBe(true);
      const stored = cacheLocation === 'localstorage' ? localStorage.getItem(sessionKey) : await get(sessionKey, idbStore);
      expect(stored ?? undefined).toBeUndefined();
      await signIn(tabB);
      expect(await tabA.isAuthenticated()).toBe(true);
      expect(await tabA.getTokenSilently()).toEqual(expect.any(String));
    } finally {
      warn.mockRestore();
    }
  });

  it('logout in one tab signs the other out', async () => {
    const tabA = await createAuthClient(options());
    await signIn(tabA);
    const tabB = await createAuthClient(options());
    expect(await tabB.isAuthenticated()).toBe(true);
    await tabA.logout({ openUrl: false });
    expect(await tabB.isAuthenticated()).toBe(false);
    expect(await tabB.getTokenSilently().catch((e: unknown) => e)).toMatchObject({ error: 'missing_refresh_token' });
  });
});
