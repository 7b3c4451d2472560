// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { LocalStorageCache } from '../../src/cache/local-storage.js';
import { StorageError } from '../../src/errors.js';
import { cacheContractSuite } from './contract.js';
import { localStorageHarness } from './harnesses.js';

cacheContractSuite('LocalStorageCache (happy-dom)', localStorageHarness());

describe('LocalStorageCache specifics', () => {
  it('uses an injected Storage instead of the global one', () => {
    const session = new LocalStorageCache(sessionStorage);
    session.set('@@rotor@@::c::k', { where: 'session' });
    expect(sessionStorage.getItem('@@rotor@@::c::k')).toBe('{"v":1,"data":{"where":"session"}}');
    expect(localStorage.getItem('@@rotor@@::c::k')).toBeNull();
  });

  it('turns a full quota into StorageError and keeps the previous value', () => {
    const storage = new Map<string, string>();
    const full: Storage = {
      get length() {
        return storage.size;
      },
      key: (i) => [...storage.keys()][i] ?? null,
      getItem: (k) => storage.get(k) ?? null,
      setItem: (k, v) => {
        if (storage.has(k)) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        storage.set(k, v);
      },
      removeItem: (k) => void storage.delete(k),
      clear: () => storage.clear(),
    };
    const cache = new LocalStorageCache(full);
    cache.set('@@rotor@@::c::rt::f', { refresh_token: 'rt-1' });
    let failure: unknown;
    try {
      cache.set('@@rotor@@::c::rt::f', { refresh_token: 'rt-2' });
    } catch (e) {
      failure = e;
    }
    expect(failure).toBeInstanceOf(StorageError);
    expect((failure as StorageError).error).toBe('storage_error');
    expect((failure as StorageError).message).toMatch(/localStorage write failed: QuotaExceededError/);
    expect(cache.get('@@rotor@@::c::rt::f')).toEqual({ refresh_token: 'rt-1' });
  });
});
