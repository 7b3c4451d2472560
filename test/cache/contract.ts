/**
 * The cache contract suite: every backend (memory, localStorage, IndexedDB, a
 * user's custom async Cache) must pass it, in Node and in a real browser.
 * Call `cacheContractSuite(name, harness)` inside a test file.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Cache } from '../../src/cache/cache.js';
import { CACHE_KEY_PREFIX } from '../../src/cache/cache.js';
import { StorageError } from '../../src/errors.js';

export interface RawAccess {
  /** Write a raw stored value under `key`, bypassing the backend (simulates corruption or another library). */
  write(key: string, raw: unknown): void | Promise<void>;
  /** Read the raw stored value, undefined when absent. */
  read(key: string): unknown;
}

export interface CacheHarness {
  /** A new backend instance. */
  create(): Cache | Promise<Cache>;
  /** Empty the underlying storage (runs before each test). */
  reset?(): void | Promise<void>;
  /** Two instances created by `create()` see the same data (localStorage, IndexedDB). */
  shared?: boolean;
  /** Backend-level access to stored values, for the corruption tests of persistent backends. */
  raw?: RawAccess;
}

let counter = 0;
/** A fresh rotor-auth key per test, so warn-once state never leaks between tests. */
function key(suffix: string): string {
  counter += 1;
  return `${CACHE_KEY_PREFIX}::client-${Date.now().toString(36)}-${counter}::${suffix}`;
}

export function cacheContractSuite(name: string, harness: CacheHarness): void {
  describe(`Cache contract: ${name}`, () => {
    let cache: Cache;

    beforeEach(async () => {
      await harness.reset?.();
      cache = await harness.create();
    });

    it('returns undefined for a key that was never set', async () => {
      expect(await cache.get(key('missing'))).toBeUndefined();
    });

    it('round-trips a token-shaped entry', async () => {
      const k = key('rt::fam-1');
      const entry = {
        refresh_token: 'rt-abc',
        family: 'fam-1',
        expires_at: 1_900_000_000,
        scopes: ['openid', 'offline_access'],
        nested: { ok: true, none: null, unicode: 'ünï 🔑' },
      };
      await cache.set(k, entry);
      expect(await cache.get(k)).toEqual(entry);
    });

    it('round-trips primitive JSON values', async () => {
      const values: unknown[] = ['a string', 0, 42.5, false, true, [1, 'two', { three: 3 }]];
      const keys = values.map((_, i) => key(`prim-${i}`));
      for (const [i, v] of values.entries()) await cache.set(keys[i]!, v);
      for (const [i, v] of values.entries()) expect(await cache.get(keys[i]!)).toEqual(v);
    });

    it('overwrites an entry with the last value set', async () => {
      const k = key('overwrite');
      await cache.set(k, { n: 1 });
      await cache.set(k, { n: 2, extra: 'x' });
      expect(await cache.get(k)).toEqual({ n: 2, extra: 'x' });
    });

    it('removes an entry, and removing an absent key is a no-op', async () => {
      const k = key('remove');
      const other = key('keep');
      await cache.set(k, { a: 1 });
      await cache.set(other, { b: 2 });
      await cache.remove(k);
      expect(await cache.get(k)).toBeUndefined();
      expect(await cache.get(other)).toEqual({ b: 2 });
      await expect(Promise.resolve(cache.remove(key('never-set')))).resolves.toBeUndefined();
    });

    it('keeps keys that share a prefix apart', async () => {
      const base = key('audience');
      await cache.set(base, { which: 'base' });
      await cache.set(`${base}::scope`, { which: 'longer' });
      expect(await cache.get(base)).toEqual({ which: 'base' });
      expect(await cache.get(`${base}::scope`)).toEqual({ which: 'longer' });
      await cache.remove(base);
      expect(await cache.get(`${base}::scope`)).toEqual({ which: 'longer' });
    });

    it('hands out values that later mutation by the caller does not change', async () => {
      const k = key('copy');
      const entry = { list: [1, 2], inner: { v: 'a' } };
      await cache.set(k, entry);
      entry.list.push(3);
      entry.inner.v = 'mutated-after-set';
      const first = (await cache.get<{ list: number[]; inner: { v: string } }>(k))!;
      expect(first).toEqual({ list: [1, 2], inner: { v: 'a' } });
      first.list.push(99);
      expect(await cache.get(k)).toEqual({ list: [1, 2], inner: { v: 'a' } });
    });

    it('applies concurrent writes to different keys', async () => {
      const keys = Array.from({ length: 20 }, (_, i) => key(`concurrent-${i}`));
      await Promise.all(keys.map((k, i) => cache.set(k, { i })));
      const values = await Promise.all(keys.map((k) => cache.get(k)));
      expect(values).toEqual(keys.map((_, i) => ({ i })));
    });

    it('lists exactly the live keys in allKeys()', async () => {
      if (!cache.allKeys) {
        expect(cache.allKeys).toBeUndefined(); // optional member: the token store keeps a manifest instead
        return;
      }
      const a = key('list-a');
      const b = key('list-b');
      const c = key('list-c');
      for (const k of [a, b, c]) await cache.set(k, { k });
      await cache.remove(b);
      const listed = await cache.allKeys();
      expect(listed).toEqual(expect.arrayContaining([a, c]));
      expect(listed).not.toContain(b);
      expect(new Set(listed).size).toBe(listed.length);
      for (const k of listed) expect(k.startsWith(CACHE_KEY_PREFIX)).toBe(true);
    });

    if (harness.shared) {
      it('shares entries between two instances over the same storage', async () => {
        const other = await harness.create();
        const k = key('shared');
        await cache.set(k, { from: 'first' });
        expect(await other.get(k)).toEqual({ from: 'first' });
        await other.set(k, { from: 'second' });
        expect(await cache.get(k)).toEqual({ from: 'second' });
        await other.remove(k);
        expect(await cache.get(k)).toBeUndefined();
      });
    }

    if (harness.raw) {
      it('rejects a value that is not JSON-serialisable with StorageError and keeps the old value', async () => {
        const k = key('bad-value');
        await cache.set(k, { good: true });
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        const failure = await Promise.resolve()
          .then(() => cache.set(k, circular))
          .then(() => undefined, (e: unknown) => e);
        expect(failure).toBeInstanceOf(StorageError);
        expect((failure as StorageError).error).toBe('storage_error');
        expect((failure as StorageError).message).toMatch(/not JSON-serialisable/);
        expect(await cache.get(k)).toEqual({ good: true });
      });

      it('rejects undefined and null with StorageError (remove() deletes)', async () => {
        const k = key('nullish');
        await cache.set(k, { kept: 1 });
        for (const bad of [undefined, null]) {
          const failure = await Promise.resolve()
            .then(() => cache.set(k, bad))
            .then(() => undefined, (e: unknown) => e);
          expect(failure).toBeInstanceOf(StorageError);
          expect((failure as StorageError).message).toMatch(/use remove\(\)/);
        }
        expect(await cache.get(k)).toEqual({ kept: 1 });
      });

      corruptionTests(harness, () => cache);
    }
  });
}

function corruptionTests(harness: CacheHarness, current: () => Cache): void {
  const raw = harness.raw!;
  describe('corrupt and foreign entries', () => {
    let warn: ReturnType<typeof vi.spyOn>;
    beforeEach(() => {
      warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    });
    afterEach(() => {
      warn.mockRestore();
    });

    const cases: Array<[string, unknown, RegExp]> = [
      ['bad JSON', '{"v":1,"data":{"refresh_tok', /\(not an entry\)/],
      ['plain JSON of the wrong shape', '{"refresh_token":"rt-legacy"}', /\(not an entry\)/],
      ['a JSON array', '[1,2,3]', /\(not an entry\)/],
      ['an entry from an unknown version', '{"v":99,"data":{"refresh_token":"rt-future"}}', /unknown version 99/],
      ['an entry with empty data', '{"v":1,"data":null}', /\(not an entry\)/],
    ];
    for (const [label, stored, reason] of cases) {
      it(`drops ${label}: get() resolves undefined, the entry is deleted, one warning`, async () => {
        const cache = current();
        const k = key('corrupt');
        await raw.write(k, stored);
        expect(await cache.get(k)).toBeUndefined();
        expect(await raw.read(k)).toBeUndefined();
        expect(warn).toHaveBeenCalledTimes(1);
        expect(String(warn.mock.calls[0]![0])).toContain(k);
        expect(String(warn.mock.calls[0]![0])).toMatch(reason);
        // Corrupt again under the same key: still dropped, not logged twice.
        await raw.write(k, stored);
        expect(await cache.get(k)).toBeUndefined();
        expect(await raw.read(k)).toBeUndefined();
        expect(warn).toHaveBeenCalledTimes(1);
      });
    }

    it('keeps a good entry written after a corrupt one was dropped', async () => {
      const cache = current();
      const k = key('recover');
      await raw.write(k, 'not json at all');
      expect(await cache.get(k)).toBeUndefined();
      await cache.set(k, { refresh_token: 'rt-new' });
      expect(await cache.get(k)).toEqual({ refresh_token: 'rt-new' });
    });

    it('never lists, reads away or deletes entries that are not rotor-auth keys', async () => {
      const cache = current();
      const foreign = `app-settings-${Date.now()}`;
      await raw.write(foreign, '{"theme":"dark"}');
      const mine = key('mine');
      await cache.set(mine, { ok: true });
      if (cache.allKeys) {
        const listed = await cache.allKeys();
        expect(listed).toContain(mine);
        expect(listed).not.toContain(foreign);
      }
      expect(await cache.get(foreign)).toBeUndefined();
      expect(await raw.read(foreign)).toBe('{"theme":"dark"}');
      expect(warn).not.toHaveBeenCalled();
    });
  });
}
