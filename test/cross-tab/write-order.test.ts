/**
 * The order of a rotation's writes (issue 10, commit first): the new refresh
 * token (compare-and-swap into the family record) before anything else, then
 * the access entry, then the record's seq bump, so a reader that sees the new
 * seq also sees the new access token. If the family disappears meanwhile
 * (another tab signed out), the access entry just written is removed again,
 * the new refresh token is revoked at the server, and the caller gets
 * missing_refresh_token.
 */
import { describe, expect, it } from 'vitest';
import type { Cache } from '../../src/cache/cache.js';
import { MissingRefreshTokenError } from '../../src/errors.js';
import { clientOptions, createAuthClient, expireAccessTokens, PREFIX, refreshRequests, signIn, useMockNetwork } from './harness.js';

const net = useMockNetwork();

/** A user-supplied Cache over a Map that records writes and can run a hook before a write. */
class RecordingCache implements Cache {
  readonly map = new Map<string, string>();
  readonly writes: string[] = [];
  beforeSet?: (key: string) => void;
  async get<T>(key: string): Promise<T | undefined> {
    const raw = this.map.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }
  async set<T>(key: string, entry: T): Promise<void> {
    this.beforeSet?.(key);
    this.writes.push(key);
    this.map.set(key, JSON.stringify(entry));
  }
  async remove(key: string): Promise<void> {
    this.map.delete(key);
  }
  async allKeys(): Promise<string[]> {
    return [...this.map.keys()];
  }
}

describe('rotation write order', () => {
  it('writes the new refresh token first, then the access token, then bumps the family seq', async () => {
    const cache = new RecordingCache();
    const tab = await createAuthClient(clientOptions({ cache }));
    await signIn(net, tab);
    const [rtKey] = [...cache.map.keys()].filter((k) => k.startsWith(`${PREFIX}rt::`));
    expect(await cache.get(rtKey!)).not.toHaveProperty('seq', 1);
    expireAccessTokens();
    cache.writes.length = 0;
    await tab.getTokenSilently();
    expect(refreshRequests(net)).toHaveLength(1);
    cache.writes.splice(0, cache.writes.length, ...cache.writes.filter((k) => k.startsWith(`${PREFIX}at::`) || k.startsWith(`${PREFIX}rt::`)));
    const at = cache.writes.findIndex((k) => k.startsWith(`${PREFIX}at::`));
    expect(cache.writes[0], cache.writes.join(', ')).toBe(rtKey);
    expect(at, cache.writes.join(', ')).toBeGreaterThan(0);
    expect(cache.writes.lastIndexOf(rtKey!), cache.writes.join(', ')).toBeGreaterThan(at);
    expect(await cache.get(rtKey!)).toMatchObject({ seq: 1 });
  });

  it('a sign-out landing between the refresh-token commit and the access write: nothing stays, the new token is revoked, missing_refresh_token', async () => {
    const cache = new RecordingCache();
    const tab = await createAuthClient(clientOptions({ cache }));
    await signIn(net, tab);
    const [rtKey] = [...cache.map.keys()].filter((k) => k.startsWith(`${PREFIX}rt::`));
    expireAccessTokens();
    // Another tab's logout removes the family just as this tab stores the new access token.
    cache.beforeSet = (key) => {
      if (key.startsWith(`${PREFIX}at::`)) {
        cache.map.delete(rtKey!);
        cache.map.delete(`${PREFIX}id`);
        cache.beforeSet = undefined;
      }
    };
    const error = await tab.getTokenSilently().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MissingRefreshTokenError);
    expect(error).toMatchObject({ error: 'missing_refresh_token' });
    expect(refreshRequests(net)).toHaveLength(1);
    expect([...cache.map.keys()].filter((k) => k.startsWith(`${PREFIX}at::`) || k.startsWith(`${PREFIX}rt::`))).toEqual([]);
    expect(await tab.isAuthenticated()).toBe(false);
    expect(net.server.control.families()[0]).toMatchObject({ status: 'revoked' });
  });
});
