/**
 * TokenStore reads its own writes: a write still under way (the refresh path does not wait for the
 * session write) is seen by a read of the same key in this tab, and a removal is never overtaken by
 * a write issued before it, on a custom cache whose writes take time.
 */
import { describe, expect, it } from 'vitest';
import type { Cache } from '../../src/cache/cache.js';
import { tokenStore, type SessionEntry } from '../../src/cache/token-store.js';

/** A custom async cache whose set() lands only when released. */
class SlowCache implements Cache {
  readonly map = new Map<string, unknown>();
  private readonly waiting: Array<() => void> = [];
  get<T>(key: string): Promise<T | undefined> {
    return Promise.resolve(this.map.get(key) as T | undefined);
  }
  set<T>(key: string, entry: T): Promise<void> {
    return new Promise((resolve) => this.waiting.push(() => (this.map.set(key, entry), resolve())));
  }
  remove(key: string): Promise<void> {
    this.map.delete(key);
    return Promise.resolve();
  }
  allKeys(): Promise<string[]> {
    return Promise.resolve([...this.map.keys()]);
  }
  land(): void {
    for (const w of this.waiting.splice(0)) w();
  }
}

const session = (sub: string): SessionEntry => ({ v: 1, id_token: `token-of-${sub}`, claims: { sub, __raw: `token-of-${sub}` } as SessionEntry['claims'], obtained_at: 1 });

describe('TokenStore: read your writes', () => {
  it('a read waits for the write of the same key that is under way', async () => {
    const cache = new SlowCache();
    const store = tokenStore(cache, 'demo');
    void store.setSession(session('alice'));
    const read = store.getSession();
    setTimeout(() => cache.land(), 5);
    expect((await read)?.claims.sub).toBe('alice');
  });

  it('clearing while a write is under way removes what it writes too (a sign-out leaves nothing behind)', async () => {
    const cache = new SlowCache();
    const store = tokenStore(cache, 'demo');
    void store.setSession(session('alice'));
    const cleared = store.clear();
    setTimeout(() => cache.land(), 5);
    await cleared;
    expect(await store.getSession()).toBeUndefined();
    expect([...cache.map.keys()]).toEqual([]);
  });
});
