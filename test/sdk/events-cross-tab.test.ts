// Session events across tabs: two clients in one process play two tabs (test/cross-tab harness:
// shared storage, a real BroadcastChannel, the mock server behind msw).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthClient } from '../../src/client/client.js';
import type { AuthClientOptions, SessionEvent, SessionEventType } from '../../src/index.js';
import { sharedBackends } from '../cross-tab/backends.js';
import { API, clientOptions, createAuthClient, listenToTabs, signIn, useMockNetwork } from '../cross-tab/harness.js';

const net = useMockNetwork();

/** Every event `client` delivers, and a promise for the next one of a type. */
function watch(client: AuthClient) {
  const seen: SessionEvent[] = [];
  const waiters: Array<[SessionEventType, (e: SessionEvent) => void]> = [];
  for (const type of ['signedIn', 'signedOut', 'tokenRefreshed'] as const) {
    client.on(type, (e: SessionEvent) => {
      seen.push(e);
      for (const w of waiters.splice(0)) {
        if (w[0] === e.type) w[1](e);
        else waiters.push(w);
      }
    });
  }
  return {
    seen,
    next: (type: SessionEventType) => new Promise<SessionEvent>((resolve) => waiters.push([type, resolve])),
  };
}

/** Tab 1 signs in and logs out; resolves what tab 2 heard once the logout message crossed the channel. */
async function heardAfterLogout(tab1: AuthClient, w2: ReturnType<typeof watch>): Promise<SessionEvent[]> {
  const tabs = listenToTabs();
  try {
    await signIn(net, tab1);
    await tab1.logout({ openUrl: false });
    await delivered(tabs, 'logout');
    return w2.seen;
  } finally {
    tabs.close();
  }
}

/** Waits until a message of `type` has crossed the channel, then lets the receivers' async work finish. */
async function delivered(tabs: ReturnType<typeof listenToTabs>, type: Parameters<ReturnType<typeof listenToTabs>['next']>[0]) {
  await tabs.next(type);
  await new Promise((r) => setTimeout(r, 30));
}

/**
 * Two tabs whose idle timeouts (1 s) end together: each signs out once, with one `signedOut` (its own
 * `idle`, or `other_tab` when the other tab's notice came first), and every family is revoked.
 */
async function idleTogether(options: () => Partial<AuthClientOptions>, signInBoth: boolean) {
  const idle = { idleTimeoutInSeconds: 1, sessionExpiringLeadInSeconds: 0 };
  const tab1 = await createAuthClient(clientOptions({ ...options(), ...idle }));
  const tab2 = await createAuthClient(clientOptions({ ...options(), ...idle }));
  const w1 = watch(tab1);
  const w2 = watch(tab2);
  try {
    await signIn(net, tab1);
    if (signInBoth) await signIn(net, tab2);
    // A slow revocation: the first tab's sign-out is still under way when the second tab's end comes.
    net.holdRevocations = new Promise((r) => setTimeout(r, 600));
    await new Promise((r) => setTimeout(r, 2_500)); // both ends pass, and the notices cross
    const outs = (w: ReturnType<typeof watch>) => w.seen.filter((e) => e.type === 'signedOut');
    expect(outs(w1), 'tab 1').toHaveLength(1);
    expect(outs(w2), 'tab 2').toHaveLength(1);
    expect([...outs(w1), ...outs(w2)]).toContainEqual({ type: 'signedOut', reason: 'idle' });
    expect(await tab1.isAuthenticated()).toBe(false);
    expect(await tab2.isAuthenticated()).toBe(false);
    expect(net.server.control.families().every((f) => f.status === 'revoked')).toBe(true);
  } finally {
    tab1.close();
    tab2.close();
  }
}

describe.each(sharedBackends())('events across two tabs sharing $name', (backend) => {
  beforeEach(() => backend.reset());
  afterEach(() => vi.unstubAllGlobals());

  it('idle timeouts ending together in both tabs: one sign-out and one signedOut each', () => idleTogether(backend.options, false));

  it('tab 2 hears tab 1: signedIn, tokenRefreshed (same audience and expiry), then signedOut other_tab on logout', async () => {
    const tab1 = await createAuthClient(clientOptions(backend.options()));
    const tab2 = await createAuthClient(clientOptions(backend.options()));
    const w1 = watch(tab1);
    const w2 = watch(tab2);
    try {
      const signedIn = w2.next('signedIn');
      await signIn(net, tab1);
      expect(await signedIn).toEqual({ type: 'signedIn' });
      expect(await tab2.isAuthenticated()).toBe(true);

      const refreshed = w2.next('tokenRefreshed');
      await tab1.getTokenSilently({ cacheMode: 'off' });
      const own = w1.seen.at(-1);
      expect(own).toMatchObject({ type: 'tokenRefreshed', audience: API });
      expect(await refreshed).toEqual(own);

      const out = w2.next('signedOut');
      await tab1.logout({ openUrl: false });
      expect(w1.seen.at(-1)).toEqual({ type: 'signedOut', reason: 'logout' });
      expect(await out).toEqual({ type: 'signedOut', reason: 'other_tab' });
      expect(await tab2.isAuthenticated()).toBe(false);
      expect(w2.seen.map((e) => e.type)).toEqual(['signedIn', 'tokenRefreshed', 'signedOut']);
    } finally {
      tab1.close();
      tab2.close();
    }
  });

  it('invalid_grant in tab 1 (an attacker replayed a retired token) → tab 2 learns it: signedOut other_tab', async () => {
    const tab1 = await createAuthClient(clientOptions(backend.options()));
    await signIn(net, tab1);
    await tab1.getTokenSilently({ cacheMode: 'off' });
    const tab2 = await createAuthClient(clientOptions(backend.options()));
    const w1 = watch(tab1);
    const w2 = watch(tab2);
    try {
      const [family] = net.server.control.families();
      await net.server.control.replay(family!.id);
      const out = w2.next('signedOut');
      await expect(tab1.getTokenSilently({ cacheMode: 'off' })).rejects.toMatchObject({ error: 'invalid_grant' });
      expect(w1.seen).toEqual([{ type: 'signedOut', reason: 'invalid_grant' }]);
      expect(await out).toEqual({ type: 'signedOut', reason: 'other_tab' });
      expect(await tab2.isAuthenticated()).toBe(false);
    } finally {
      tab1.close();
      tab2.close();
    }
  });

  it('a closed tab hears nothing', async () => {
    const tab1 = await createAuthClient(clientOptions(backend.options()));
    const tab2 = await createAuthClient(clientOptions(backend.options()));
    const w2 = watch(tab2);
    tab2.close();
    expect(await heardAfterLogout(tab1, w2)).toEqual([]);
    tab1.close();
  });
});

describe('events across two tabs with memory caches (nothing shared)', () => {
  it('idle timeouts ending together in both tabs: one sign-out and one signedOut each', () => idleTogether(() => ({}), true));

  it("another tab's login, refresh and invalid_grant are its own; its logout signs this tab out too (other_tab)", async () => {
    const tab1 = await createAuthClient(clientOptions({}));
    const tab2 = await createAuthClient(clientOptions({}));
    const tabs = listenToTabs();
    const w2 = watch(tab2);
    try {
      await signIn(net, tab2);
      w2.seen.length = 0;
      await signIn(net, tab1);
      await tab1.getTokenSilently({ cacheMode: 'off' });
      const family1 = net.server.control.families().find((f) => f.rotations === 1)!;
      await net.server.control.replay(family1.id);
      await expect(tab1.getTokenSilently({ cacheMode: 'off' })).rejects.toMatchObject({ error: 'invalid_grant' });
      await delivered(tabs, 'family_removed');
      expect(w2.seen).toEqual([]); // tab 1's signedIn / tokenRefreshed / family_removed are not tab 2's
      expect(await tab2.isAuthenticated()).toBe(true);

      const out = w2.next('signedOut');
      await signIn(net, tab1);
      await tab1.logout({ openUrl: false });
      expect(await out).toEqual({ type: 'signedOut', reason: 'other_tab' });
      expect(await tab2.isAuthenticated()).toBe(false);
      expect(net.server.control.families().every((f) => f.status === 'revoked')).toBe(true);
    } finally {
      tabs.close();
      tab1.close();
      tab2.close();
    }
  });

  it('a tab that was not signed in gets no signedOut from another tab’s logout', async () => {
    const tab1 = await createAuthClient(clientOptions({}));
    const tab2 = await createAuthClient(clientOptions({}));
    const w2 = watch(tab2);
    expect(await heardAfterLogout(tab1, w2)).toEqual([]);
    tab1.close();
    tab2.close();
  });
});
