import { describe, expect, it } from 'vitest';
import { InMemoryCache } from '../../src/cache/memory.js';
import { cacheContractSuite } from './contract.js';

cacheContractSuite('InMemoryCache', { create: () => new InMemoryCache() });

describe('InMemoryCache specifics', () => {
  it('keeps every instance (tab) separate by design', async () => {
    const tabA = new InMemoryCache();
    const tabB = new InMemoryCache();
    tabA.set('@@rotor@@::c::rt::f', { refresh_token: 'rt-a' });
    expect(tabB.get('@@rotor@@::c::rt::f')).toBeUndefined();
    expect(tabB.allKeys()).toEqual([]);
  });
});
