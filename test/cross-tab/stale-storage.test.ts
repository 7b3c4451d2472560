/**
 * Storage that reaches other tabs late (Chromium's localStorage across renderer
 * processes): the next holder of the family lock may read the cache from
 * before the previous holder's rotation. With Web Locks present (a fake
 * LockManager shared by the "tabs", as the browser's is), the rotation marker
 * makes that holder wait for its storage, so no request presents a rotated
 * refresh token. Only the network (msw → mock server) and the platform lock
 * manager are faked.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Cache } from '../../src/cache/cache.js';
import { StorageError } from '../../src/errors.js';
import { FakeLockManager } from './fake-lock-manager.js';
import { clientOptions, createAuthClient, expireAccessTokens, PREFIX, refreshRequests, reuseDetections, signIn, useMockNetwork } from './harness.js';

const net = useMockNetwork();

/**
 * One origin's storage, written by several tabs. Writes form one ordered log;
 * each tab sees a prefix of it: its own writes at once, another tab's writes
 * only after `lag` more reads (then everything up to now), like a renderer
 * that applies other processes' writes late but in order.
 */
class LaggingStorage {
  readonly log: Array<{ key: string; raw: string | undefined }> = [];
  /** Reads answered from an older prefix of the log, per tab. */
  readonly staleReads = new Map<number, number>();

  tab(id: number, lag: number): Cache & { catchUp(): void } {
    let seen = this.log.length;
    let behindFor = 0;
    const valueAt = (key: string, upTo: number) => {
      for (let i = upTo - 1; i >= 0; i--) if (this.log[i]!.key === key) return this.log[i]!.raw;
      return undefined;
    };
    const write = (key: string, raw: string | undefined) => {
      this.log.push({ key, raw });
      seen = this.log.length;
      behindFor = 0;
    };
    return {
      get: async <T>(key: string): Promise<T | undefined> => {
        if (seen < this.log.length) {
          if (behindFor >= lag) seen = this.log.length;
          else behindFor++;
        }
        const current = valueAt(key, seen);
        if (current !== valueAt(key, this.log.length)) this.staleReads.set(id, (this.staleReads.get(id) ?? 0) + 1);
        return current === undefined ? undefined : (JSON.parse(current) as T);
      },
      set: async <T>(key: string, entry: T) => write(key, JSON.stringify(entry)),
      remove: async (key: string) => write(key, undefined),
      allKeys: async () => [...new Set(this.log.map((e) => e.key))].filter((k) => valueAt(k, seen) !== undefined),
      catchUp: () => {
        seen = this.log.length;
        behindFor = 0;
      },
    };
  }
}

describe('tabs whose storage lags behind the lock handoff (Web Locks present)', () => {
  let locks: FakeLockManager;
  beforeEach(() => {
    locks = new FakeLockManager();
    vi.stubGlobal('navigator', { locks });
  });
  afterEach(() => vi.unstubAllGlobals());

  async function tabs(count: number, lag: number) {
    const storage = new LaggingStorage();
    const caches = Array.from({ length: count }, (_, i) => storage.tab(i, lag));
    const clients = [];
    for (const cache of caches) clients.push(await createAuthClient(clientOptions({ cache })));
    await signIn(net, clients[0]!);
    for (const cache of caches) cache.catchUp();
    return { storage, caches, clients };
  }

  it('five tabs refreshing at once, several expiries: one request per expiry, no rotated token ever presented', async () => {
    const { storage, clients } = await tabs(5, 6);
    const ROUNDS = 4;
    for (let round = 1; round <= ROUNDS; round++) {
      expireAccessTokens();
      const results = await Promise.all(clients.map((c) => c.getTokenSilently()));
      expect(new Set(results).size, `round ${round}: every tab gets the same access token`).toBe(1);
      expect(refreshRequests(net), `round ${round}`).toHaveLength(round);
    }
    expect(refreshRequests(net).every((e) => e.status === 200)).toBe(true);
    expect(reuseDetections(net)).toHaveLength(0);
    expect(net.server.control.events({ type: 'refresh_token.reuse_interval' })).toHaveLength(0);
    expect(net.server.control.families()).toEqual([expect.objectContaining({ status: 'active', rotations: ROUNDS })]);
    // The race really happened: lock holders after the first read stale entries.
    expect([...storage.staleReads.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // Each rotation left one marker: the newest is held, by the tab that stored it.
    const markers = [...locks.held].filter((n) => n.includes(':seq:'));
    expect(markers).toHaveLength(1);
    expect(markers[0]).toMatch(new RegExp(`^rotor-auth:demo:[^:]+:seq:${ROUNDS}$`));
  });

  it('the markers cannot be read (query() fails): a StorageError, nothing sent, the session goes on', async () => {
    const { clients } = await tabs(1, 0);
    const tab = clients[0]!;
    expireAccessTokens();
    const query = locks.query.bind(locks);
    locks.query = () => Promise.reject(new DOMException('lock manager gone', 'InvalidStateError'));
    const error = await tab.getTokenSilently().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ error: 'storage_error' });
    expect(refreshRequests(net)).toHaveLength(0);
    expect(await tab.isAuthenticated()).toBe(true);
    locks.query = query;
    expect(await tab.getTokenSilently()).toEqual(expect.any(String));
    expect(refreshRequests(net)).toHaveLength(1);
    expect(reuseDetections(net)).toHaveLength(0);
  });

  it('a marker that cannot be taken after a rotation: the rotation is kept, the family lock held until storage can have caught up', async () => {
    const { clients } = await tabs(2, 0);
    const [tabA, tabB] = clients as [(typeof clients)[0], (typeof clients)[0]];
    expireAccessTokens();
    const request = locks.request.bind(locks);
    locks.request = ((name: string, options: { ifAvailable?: boolean }, callback: (lock: { name: string } | null) => unknown) =>
      name.includes(':seq:') ? Promise.reject(new DOMException('lock manager gone', 'InvalidStateError')) : request(name, options, callback as never)) as typeof locks.request;
    const token = await tabA.getTokenSilently();
    expect(refreshRequests(net)).toHaveLength(1);
    // The family lock is still held (no marker tells the next holder to wait for its storage) ...
    const familyLocks = () => [...locks.held].filter((n) => n.startsWith('rotor-auth:demo:') && !n.includes(':seq:'));
    expect(familyLocks()).toHaveLength(1);
    // ... until storage can have caught up (STORAGE_CATCH_UP_MS); then the other tab refreshes with the rotated token.
    locks.request = request;
    await vi.waitFor(() => expect(familyLocks()).toHaveLength(0), { timeout: 5_000, interval: 50 });
    const next = await tabB.getTokenSilently({ cacheMode: 'off' });
    expect(next).not.toBe(token);
    expect(refreshRequests(net).map((e) => e.status)).toEqual([200, 200]);
    expect(reuseDetections(net)).toHaveLength(0);
  });

  it('storage that never catches up: a transient StorageError, no request, nothing discarded', async () => {
    const { caches, clients } = await tabs(2, Number.POSITIVE_INFINITY);
    const [tabA, tabB] = clients as [(typeof clients)[0], (typeof clients)[0]];
    expireAccessTokens();
    await tabA.getTokenSilently(); // rotates: seq 1, marker published
    expect(refreshRequests(net)).toHaveLength(1);

    const error = await tabB.getTokenSilently().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ error: 'storage_error' });
    expect((error as StorageError).message).toMatch(/^Family .* at seq 0, another tab stored 1: storage lags/);
    expect(refreshRequests(net)).toHaveLength(1);
    expect(reuseDetections(net)).toHaveLength(0);

    // Once the storage shows the rotation, the same tab uses it: no request, same family, still signed in.
    caches[1]!.catchUp();
    expect(await tabB.getTokenSilently()).toBe(await tabA.getTokenSilently());
    expect(refreshRequests(net)).toHaveLength(1);
    expect(await caches[1]!.get(`${PREFIX}id`)).toBeDefined();
  });
});
