// Issue 24: waking up (wake.ts) and autoRefresh (auto-refresh.ts), with fake timers and a stubbed page.
import { http, HttpResponse } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InMemoryCache, NetworkError, OAuthError } from '../../src/index.js';
import { retryWhenOnline, watchWake } from '../../src/client/wake.js';
import { AUTH, harness, login, makeClient, tokenRequests } from './helpers.js';

/** A page for Node: `window` events on globalThis, a document with a visibility state, navigator.onLine. */
function stubPage() {
  const target = new EventTarget();
  const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' as DocumentVisibilityState });
  vi.stubGlobal('document', doc);
  vi.stubGlobal('addEventListener', target.addEventListener.bind(target));
  vi.stubGlobal('removeEventListener', target.removeEventListener.bind(target));
  const nav = { onLine: true };
  vi.stubGlobal('navigator', nav);
  const fire = (type: string, init: Record<string, unknown> = {}) => target.dispatchEvent(Object.assign(new Event(type), init));
  return { doc, nav, fire };
}

const h = harness();
/**
 * Fake time in steps, the real event loop turning between them (setImmediate and performance are not faked):
 * a refresh's real asynchronous work (WebCrypto, msw) ends before the clock moves far on, even on a loaded machine.
 */
async function advance(ms: number, step = 10_000): Promise<void> {
  for (let left = ms; left > 0; left -= step) {
    await vi.advanceTimersByTimeAsync(Math.min(step, left));
    const until = performance.now() + 20;
    while (performance.now() < until) await new Promise((r) => setImmediate(r));
  }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  vi.setSystemTime(new Date('2026-11-23T12:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('watchWake', () => {
  it('wakes on visibilitychange to visible, online and a bfcache pageshow; not when hidden or on a fresh pageshow', () => {
    const { doc, fire } = stubPage();
    const wake = vi.fn();
    const stop = watchWake(wake);
    doc.visibilityState = 'hidden';
    fire('visibilitychange');
    fire('pageshow', { persisted: false });
    expect(wake).not.toHaveBeenCalled();
    doc.visibilityState = 'visible';
    fire('visibilitychange');
    fire('online');
    fire('pageshow', { persisted: true });
    expect(wake).toHaveBeenCalledTimes(3);
    stop();
    fire('online');
    expect(wake).toHaveBeenCalledTimes(3);
  });

  it('a wall-clock jump ahead of performance.now() (sleep) wakes at the next 30 s check; timers that merely ran do not', () => {
    stubPage();
    const wake = vi.fn();
    const stop = watchWake(wake);
    vi.advanceTimersByTime(120_000); // Date and timers move together: performance.now() is real, so move it along
    expect(wake).not.toHaveBeenCalled();
    vi.setSystemTime(Date.now() + 8 * 3600_000); // the night
    vi.advanceTimersByTime(30_000);
    expect(wake).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(30_000);
    expect(wake).toHaveBeenCalledTimes(1);
    stop();
  });

  it('no page (Node): nothing is watched', () => {
    const wake = vi.fn();
    watchWake(wake)();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('retryWhenOnline', () => {
  it('a network error while offline is retried once when online fires; other errors and online failures are not', async () => {
    const { nav, fire } = stubPage();
    const later = retryWhenOnline();
    const retry = vi.fn(async () => 'ok');
    later(new NetworkError('down'), retry); // online: not offline's fault
    nav.onLine = false;
    later(new OAuthError('invalid_grant', 'x', 400), retry);
    later(new NetworkError('down'), retry);
    later(new NetworkError('down'), retry); // one pending retry at a time
    expect(retry).not.toHaveBeenCalled();
    nav.onLine = true;
    fire('online');
    fire('online');
    expect(retry).toHaveBeenCalledTimes(1);
  });
});

describe('autoRefresh', () => {
  beforeEach(() => void h.start({ accessTokenTtl: 600 }));

  it('off (the default): no refresh without a call, whatever the time', async () => {
    const client = makeClient({ cache: new InMemoryCache() });
    await login(h, client);
    await vi.advanceTimersByTimeAsync(3 * 600_000);
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(0);
    client.close();
  });

  it('on: refreshes ahead of expiry (leeway + jitter) without a call, again after each refresh; close() stops it', async () => {
    const client = makeClient({ cache: new InMemoryCache(), autoRefresh: true });
    await login(h, client);
    await advance(600_000 - 90_000 - 1); // before leeway (60 s) + the most jitter (30 s)
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(0);
    await advance(30_000);
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(1);
    expect(await client.getTokenSilently({ cacheMode: 'cache-only' })).toBeDefined(); // fresh: still before expiry
    await advance(600_000);
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(2);
    client.close();
    await advance(3 * 600_000);
    expect(tokenRequests(h, 'refresh_token')).toHaveLength(2);
  });

  it('on: never sooner than Retry-After after a 429', async () => {
    const client = makeClient({ cache: new InMemoryCache(), autoRefresh: true });
    await login(h, client);
    const refused: number[] = [];
    h.use(
      http.post(`${AUTH}/oauth/token`, () => {
        refused.push(Date.now());
        return HttpResponse.json({ error: 'too_many_requests' }, { status: 429, headers: { 'retry-after': '200' } });
      }),
    );
    await advance(600_000 - 59_000);
    expect(refused).toHaveLength(1);
    await advance(600_000);
    expect(refused.length).toBeGreaterThan(1);
    for (let i = 1; i < refused.length; i++) expect(refused[i]! - refused[i - 1]!).toBeGreaterThanOrEqual(200_000);
    client.close();
  });
});

describe('idle policy (idleTimeoutInSeconds)', () => {
  beforeEach(() => void h.start({ accessTokenTtl: 120 }));

  function stubLocalStorage(): Map<string, string> {
    const m = new Map<string, string>();
    vi.stubGlobal('localStorage', { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) });
    return m;
  }

  function record(client: ReturnType<typeof makeClient>) {
    const seen: unknown[] = [];
    client.on('sessionExpiring', (e) => seen.push(e));
    client.on('signedOut', (e) => seen.push(e));
    return seen;
  }

  it('sessionExpiring (idle) first, then signed out and revoked; refreshes (autoRefresh) do not count as activity', async () => {
    stubPage();
    stubLocalStorage();
    const start = Date.now();
    const client = makeClient({ cache: new InMemoryCache(), idleTimeoutInSeconds: 600, sessionExpiringLeadInSeconds: 60, autoRefresh: true });
    const seen = record(client);
    await login(h, client);
    expect((await client.getSessionExpiry()).idleExpiresAt).toBe(start + 600_000);
    await vi.advanceTimersByTimeAsync(539_000);
    expect(seen).toEqual([]);
    expect(tokenRequests(h, 'refresh_token').length).toBeGreaterThan(0); // background refreshes ran
    await vi.advanceTimersByTimeAsync(2_000);
    expect(seen).toEqual([{ type: 'sessionExpiring', expiresAt: start + 600_000, reason: 'idle' }]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(seen.at(-1)).toEqual({ type: 'signedOut', reason: 'idle' });
    expect(await client.isAuthenticated()).toBe(false);
    expect(h.requests).toContain('POST /oauth/revoke');
    client.close();
  });

  it('activity in any tab (the shared activity stamp) or in this one (pointer, key) extends the session', async () => {
    const { fire } = stubPage();
    const shared = stubLocalStorage();
    const start = Date.now();
    const client = makeClient({ cache: new InMemoryCache(), idleTimeoutInSeconds: 600, sessionExpiringLeadInSeconds: 60 });
    const seen = record(client);
    await login(h, client);
    await vi.advanceTimersByTimeAsync(500_000);
    shared.set('rotor-auth:demo:active', String(Date.now())); // another tab: the user clicked there
    await vi.advanceTimersByTimeAsync(200_000);
    expect(seen).toEqual([]);
    expect(await client.isAuthenticated()).toBe(true);
    fire('keydown'); // and here, at 700 s
    expect(shared.get('rotor-auth:demo:active')).toBe(String(start + 700_000));
    await vi.advanceTimersByTimeAsync(539_000);
    expect(seen).toEqual([]);
    await vi.advanceTimersByTimeAsync(62_000);
    expect(seen).toEqual([
      { type: 'sessionExpiring', expiresAt: start + 1_300_000, reason: 'idle' },
      { type: 'signedOut', reason: 'idle' },
    ]);
    client.close();
  });

  it('off by default: no idle end, no sign-out', async () => {
    const client = makeClient({ cache: new InMemoryCache() });
    await login(h, client);
    await vi.advanceTimersByTimeAsync(20 * 86400_000); // inside the family's 30-day absolute lifetime
    expect(await client.getSessionExpiry()).toEqual({ absoluteExpiresAt: expect.any(Number) });
    client.close();
  });
});
