import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sharedBackends } from './backends.js';
import {
  API,
  clientOptions,
  createAuthClient,
  expireAccessTokens,
  listenToTabs,
  PREFIX,
  refreshRequests,
  reuseDetections,
  signIn,
  useMockNetwork,
} from './harness.js';

const net = useMockNetwork();

describe.each(sharedBackends())('two tabs sharing $name', (backend) => {
  beforeEach(() => backend.reset());
  afterEach(() => vi.unstubAllGlobals());

  async function twoSignedInTabs() {
    const tabA = await createAuthClient(clientOptions(backend.options()));
    await signIn(net, tabA);
    const tabB = await createAuthClient(clientOptions(backend.options()));
    expect(await tabB.isAuthenticated()).toBe(true); // B sees A's login through the shared storage
    return { tabA, tabB };
  }

  it('refreshing concurrently after expiry sends one refresh request and trips no reuse detection', async () => {
    const { tabA, tabB } = await twoSignedInTabs();
    const before = await tabA.getTokenSilently();
    const tabs = listenToTabs();
    try {
      net.server.control.faults({ delayMs: 30 }); // keep the first exchange in flight while the others queue
      expireAccessTokens();
      const tokens = await Promise.all([
        tabA.getTokenSilently(),
        tabB.getTokenSilently(),
        tabA.getTokenSilently(),
        tabB.getTokenSilently({ authorizationParams: { audience: API } }),
      ]);
      expect(refreshRequests(net)).toHaveLength(1);
      expect(refreshRequests(net)[0]).toMatchObject({ status: 200 });
      expect(reuseDetections(net)).toHaveLength(0);
      expect(new Set(tokens).size).toBe(1);
      expect(tokens[0]).not.toBe(before);
      const [family] = net.server.control.families();
      expect(family).toMatchObject({ status: 'active', rotations: 1 });
      expect(await tabs.next('rotated')).toMatchObject({ type: 'rotated' });

      // Both tabs now answer from the shared cache, and both keep refreshing safely.
      expect(await tabB.getTokenSilently()).toBe(tokens[0]);
      expireAccessTokens();
      await Promise.all([tabB.getTokenSilently(), tabA.getTokenSilently()]);
      expect(refreshRequests(net)).toHaveLength(2);
      expect(reuseDetections(net)).toHaveLength(0);
      expect(net.server.control.families()[0]).toMatchObject({ status: 'active', rotations: 2 });
    } finally {
      tabs.close();
    }
  });

  it("a forced refresh (cacheMode 'off') in both tabs at once presents each refresh token only once", async () => {
    const { tabA, tabB } = await twoSignedInTabs();
    await Promise.all([tabA.getTokenSilently({ cacheMode: 'off' }), tabB.getTokenSilently({ cacheMode: 'off' })]);
    const requests = refreshRequests(net);
    expect(requests.length).toBeGreaterThanOrEqual(1);
    expect(requests.every((r) => r.status === 200)).toBe(true);
    expect(reuseDetections(net)).toHaveLength(0);
    expect(net.server.control.families()[0]).toMatchObject({ status: 'active', rotations: requests.length });
  });

  it('logout in one tab signs the other out', async () => {
    const { tabA, tabB } = await twoSignedInTabs();
    const tabs = listenToTabs();
    try {
      await tabA.logout({ openUrl: false });
      expect(await tabs.next('logout')).toEqual({ type: 'logout' });
      expect(await tabB.isAuthenticated()).toBe(false);
      expect(await tabB.getUser()).toBeUndefined();
      const error = await tabB.getTokenSilently().catch((e: unknown) => e);
      expect(error).toMatchObject({ error: 'missing_refresh_token' });
      expect(net.server.control.families()[0]).toMatchObject({ status: 'revoked', reason: 'revoked' });
      expect(refreshRequests(net)).toHaveLength(0);
    } finally {
      tabs.close();
    }
  });

  it('after the other tab signs in again (a new family), the next refresh uses the new family', async () => {
    const { tabA, tabB } = await twoSignedInTabs();
    expireAccessTokens();
    await tabA.getTokenSilently(); // tab A now knows its family
    expect(refreshRequests(net)).toHaveLength(1);
    await signIn(net, tabB); // a new login: a new family replaces the old one in the shared storage
    const families = net.server.control.families();
    expect(families).toHaveLength(2);
    const fresh = await tabA.getTokenSilently({ cacheMode: 'off' });
    expect(fresh).toEqual(expect.any(String));
    const refreshes = refreshRequests(net);
    expect(refreshes).toHaveLength(2); // the old family's token is never presented again
    expect(reuseDetections(net)).toHaveLength(0);
    expect(net.server.control.families().filter((f) => f.rotations > 0)).toHaveLength(2);
  });

  it('a tab whose refresh is in flight when the other tab logs out caches nothing', async () => {
    const { tabA, tabB } = await twoSignedInTabs();
    expireAccessTokens();
    let release!: () => void;
    net.holdTokenResponses = new Promise((r) => (release = r));
    const pending = tabB.getTokenSilently().catch((e: unknown) => e);
    await vi.waitFor(() => expect(refreshRequests(net)).toHaveLength(1)); // the server has rotated; B awaits the answer
    await tabA.logout({ openUrl: false });
    release();
    const outcome = await pending;
    expect(outcome).toMatchObject({ error: 'missing_refresh_token' });
    expect(await tabB.isAuthenticated()).toBe(false);
    expect(await tabA.isAuthenticated()).toBe(false);
  });

  it('survives a corrupt session entry: no throw, signed out, entry dropped, sign-in works again', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await backend.writeRaw(`${PREFIX}id`, '{"v":1,"data":{"id_token":');
      const tab = await createAuthClient(clientOptions(backend.options()));
      expect(await tab.isAuthenticated()).toBe(false);
      await vi.waitFor(async () => expect(await backend.has(`${PREFIX}id`)).toBe(false));
      expect(warn).toHaveBeenCalled();
      expect(warn.mock.calls.some((c) => String(c[0]).includes(`${PREFIX}id`))).toBe(true);
      await signIn(net, tab);
      expect(await tab.isAuthenticated()).toBe(true);
      expect(await tab.getTokenSilently()).toEqual(expect.any(String));
    } finally {
      warn.mockRestore();
    }
  });

  it('survives a corrupt access-token entry: the other tab refreshes once instead of failing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const { tabB } = await twoSignedInTabs();
      const [atKey] = (await backend.keys()).filter((k) => k.startsWith(`${PREFIX}at::`));
      expect(atKey).toBeDefined();
      await backend.writeRaw(atKey!, 'garbage');
      expect(await tabB.getTokenSilently()).toEqual(expect.any(String));
      expect(refreshRequests(net)).toHaveLength(1);
      expect(reuseDetections(net)).toHaveLength(0);
      expect(await tabB.isAuthenticated()).toBe(true);
    } finally {
      warn.mockRestore();
    }
  });

  it('survives an entry from an unknown version in place of the refresh token: typed error, no crash', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const { tabB } = await twoSignedInTabs();
      const [rtKey] = (await backend.keys()).filter((k) => k.startsWith(`${PREFIX}rt::`));
      await backend.writeRaw(rtKey!, JSON.stringify({ v: 2, data: { refresh_token: 'from-the-future' } }));
      expireAccessTokens();
      const error = await tabB.getTokenSilently().catch((e: unknown) => e);
      expect(error).toMatchObject({ error: 'missing_refresh_token' });
      expect(refreshRequests(net)).toHaveLength(0);
      expect(reuseDetections(net)).toHaveLength(0);
    } finally {
      warn.mockRestore();
    }
  });
});
