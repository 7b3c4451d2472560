/**
 * The storage work of a refresh on IndexedDB in real Chromium (issue 10's speed goal): the reads under
 * the family lock share one transaction, the commit (access entry + rotated refresh token + seq) is one
 * readwrite transaction, and the session write that follows the ID-token check does not hold up the
 * caller, while reads in the same tab still see it.
 */
import { del, keys } from 'idb-keyval';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAuthClient } from '../../src/client/client.js';
import { AUTH, CLIENT_ID, control, events, idbStore, REDIRECT, refreshRequests, signIn } from './helpers.js';

describe('a forced refresh on IndexedDB', () => {
  beforeEach(async () => {
    await control('reset', {});
    for (const k of await keys(idbStore)) await del(k, idbStore);
  });
  afterEach(() => vi.restoreAllMocks());

  const options = () => ({
    domain: AUTH,
    clientId: CLIENT_ID,
    cacheLocation: 'indexeddb' as const,
    authorizationParams: { redirect_uri: REDIRECT, audience: 'https://api.rotor.test' },
  });

  it('reads in one transaction under the lock and commits in one readwrite transaction', async () => {
    const tab = await createAuthClient(options());
    await signIn(tab);
    const before = await tab.getTokenSilently();
    const claimsBefore = await tab.getIdTokenClaims();
    await control('clock', { advance: 5 }); // the refreshed ID token gets a later iat
    const modes: string[] = [];
    const transaction = IDBDatabase.prototype.transaction;
    vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      if (this.name === 'rotor-auth') modes.push(args[1] ?? 'readonly');
      return transaction.apply(this, args);
    });
    const token = await tab.getTokenSilently({ cacheMode: 'off' });
    const untilSessionWritten = modes.length;
    expect(token).not.toBe(before);
    expect(await refreshRequests()).toHaveLength(1);
    // Before the lock: the family lookup (one read); under it: the record, access entry and session (one read);
    // the commit (one write). The session write of the checked ID token may still be under way.
    expect(modes.slice(0, 3)).toEqual(['readonly', 'readonly', 'readwrite']);
    expect(untilSessionWritten).toBeLessThanOrEqual(4);
    // Read your writes: the claims of the refreshed ID token, whether or not its write had landed.
    const claims = await tab.getIdTokenClaims();
    expect(claims?.sub).toBe(claimsBefore?.sub);
    expect(claims?.iat).toBeGreaterThan(claimsBefore!.iat as number);
    expect(modes.filter((m) => m === 'readwrite')).toHaveLength(2); // + the session, read after it landed
    expect(await events('refresh_token.reuse_detected')).toHaveLength(0);
  });

  it('on localStorage: the access entry, then the family record with the new refresh token and seq, in one write each', async () => {
    localStorage.clear();
    const tab = await createAuthClient({ ...options(), cacheLocation: 'localstorage' });
    await signIn(tab);
    await tab.getTokenSilently();
    const writes: [string, string][] = [];
    const setItem = Storage.prototype.setItem;
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(function (this: Storage, key: string, value: string) {
      if (key.startsWith('@@rotor@@')) writes.push([key, value]);
      return setItem.call(this, key, value);
    });
    await tab.getTokenSilently({ cacheMode: 'off' });
    const [access, record] = writes;
    expect(access?.[0]).toMatch(/::at::/);
    expect(record?.[0]).toMatch(/::rt::/);
    const stored = JSON.parse(record![1]).data as { refresh_token: string; seq: number };
    expect(stored.seq).toBe(1);
    expect(writes.filter(([k]) => /::rt::/.test(k))).toHaveLength(1);
    expect(await events('refresh_token.reuse_detected')).toHaveLength(0);
  });
});
