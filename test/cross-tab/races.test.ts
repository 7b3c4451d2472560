import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sharedBackends } from './backends.js';
import {
  API,
  clientOptions,
  createAuthClient,
  expireAccessTokens,
  listenToTabs,
  OTHER_API,
  refreshRequests,
  reuseDetections,
  signIn,
  useMockNetwork,
} from './harness.js';
import { createMockServer } from '../../src/mock-server/index.js';

const net = useMockNetwork();
const [localStorageBackend] = sharedBackends();
const backend = localStorageBackend!;

describe('rotation races between two tabs sharing localStorage', () => {
  beforeEach(() => backend.reset());
  afterEach(() => vi.unstubAllGlobals());

  async function twoSignedInTabs() {
    const tabA = await createAuthClient(clientOptions(backend.options()));
    await signIn(net, tabA);
    const tabB = await createAuthClient(clientOptions(backend.options()));
    return { tabA, tabB };
  }

  it('two audiences refreshed at once in two tabs share one family: serialised, each refresh token presented once', async () => {
    const { tabA, tabB } = await twoSignedInTabs();
    expireAccessTokens();
    const [forApi, forOther] = await Promise.all([
      tabA.getTokenSilently({ authorizationParams: { audience: API } }),
      tabB.getTokenSilently({ authorizationParams: { audience: OTHER_API } }),
    ]);
    expect(forApi).not.toBe(forOther);
    const requests = refreshRequests(net);
    expect(requests).toHaveLength(2);
    expect(requests.every((r) => r.status === 200)).toBe(true);
    expect(reuseDetections(net)).toHaveLength(0);
    const families = net.server.control.families();
    expect(families).toHaveLength(1);
    expect(families[0]).toMatchObject({ status: 'active', rotations: 2 });
  });

  it('a stolen refresh token replayed elsewhere revokes the family: the tab that finds out and the other tab are both signed out', async () => {
    const { tabA, tabB } = await twoSignedInTabs();
    expireAccessTokens();
    await tabA.getTokenSilently(); // rotate once, so the thief's copy is an old token
    const [family] = net.server.control.families();
    const replay = await net.server.control.replay(family!.id, 'previous');
    expect(replay.status).toBe(403);
    expect(reuseDetections(net)).toHaveLength(1);

    const tabs = listenToTabs();
    try {
      expireAccessTokens();
      const error = await tabB.getTokenSilently().catch((e: unknown) => e);
      expect(error).toMatchObject({ error: 'invalid_grant' });
      expect(await tabs.next('family_removed')).toMatchObject({ type: 'family_removed' });
      expect(await tabB.isAuthenticated()).toBe(false);
      expect(await tabA.isAuthenticated()).toBe(false);
      expect(await tabA.getTokenSilently().catch((e: unknown) => e)).toMatchObject({ error: 'missing_refresh_token' });
      expect(refreshRequests(net)).toHaveLength(2); // tab A never sends the dead token again
    } finally {
      tabs.close();
    }
  });

  it('a lost rotation response is recovered while the other tab waits: no reuse detection, both tabs keep the session', async () => {
    net.server = createMockServer({ autoLogin: 'user-1', reuseInterval: 30 });
    const { tabA, tabB } = await twoSignedInTabs();
    net.server.control.faults({ dropNextRotation: 1 });
    expireAccessTokens();
    const [a, b] = await Promise.all([tabA.getTokenSilently(), tabB.getTokenSilently()]);
    expect(a).toBe(b);
    expect(refreshRequests(net)).toHaveLength(2); // the dropped one and its retry with the same token
    expect(reuseDetections(net)).toHaveLength(0);
    expect(net.server.control.events({ type: 'refresh_token.reuse_interval' })).toHaveLength(1);
    expect(net.server.control.families()[0]).toMatchObject({ status: 'active' });

    expireAccessTokens();
    await Promise.all([tabB.getTokenSilently(), tabA.getTokenSilently()]);
    expect(refreshRequests(net)).toHaveLength(3);
    expect(reuseDetections(net)).toHaveLength(0);
  });
});

describe("memory mode stays per tab (cacheLocation: 'memory')", () => {
  it('each tab signs in on its own, keeps its own family and refreshes without tripping reuse detection', async () => {
    const tabA = await createAuthClient(clientOptions({}));
    const tabB = await createAuthClient(clientOptions({}));
    await signIn(net, tabA);
    expect(await tabB.isAuthenticated()).toBe(false);
    await signIn(net, tabB);
    expect(net.server.control.families()).toHaveLength(2);
    expireAccessTokens();
    await Promise.all([tabA.getTokenSilently(), tabB.getTokenSilently()]);
    expect(refreshRequests(net)).toHaveLength(2);
    expect(reuseDetections(net)).toHaveLength(0);
    expect(net.server.control.families().map((f) => f.rotations)).toEqual([1, 1]);
  });

  it('logout in one tab signs the other memory-mode tabs out and revokes their families too', async () => {
    const tabA = await createAuthClient(clientOptions({}));
    const tabB = await createAuthClient(clientOptions({}));
    await signIn(net, tabA);
    await signIn(net, tabB);
    const tabs = listenToTabs();
    try {
      await tabA.logout({ openUrl: false });
      expect(await tabs.next('logout')).toEqual({ type: 'logout' });
      await vi.waitFor(async () => expect(await tabB.isAuthenticated()).toBe(false));
      await vi.waitFor(() => expect(net.server.control.families().map((f) => f.status)).toEqual(['revoked', 'revoked']));
      await expect(tabB.getTokenSilently()).rejects.toMatchObject({ error: 'missing_refresh_token' });
    } finally {
      tabs.close();
    }
  });
});
