// Issue 24: autoRefresh's leader (auto-refresh.ts) over the Web Locks path: the leader lets its lock go
// when its page is hidden or frozen, so a shown tab leads; a tab shown again asks for it again.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { autoRefresh } from '../../src/client/auto-refresh.js';
import { FakeLockManager } from '../cross-tab/fake-lock-manager.js';

const LEADER = 'rotor-auth:c1:leader';
const TTL = 600_000;

/** One tab's page: its document (visibility, freeze/resume) for the autoRefresh under test; the lock manager is the origin's. */
function page(locks: FakeLockManager) {
  const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' as DocumentVisibilityState });
  vi.stubGlobal('document', doc);
  // the two-argument form the SDK uses: request(name, callback)
  const request = (name: string, callback: () => unknown) => locks.request(name, {}, callback);
  vi.stubGlobal('navigator', { locks: { request, query: () => locks.query() } });
  return {
    show(visible: boolean) {
      doc.visibilityState = visible ? 'visible' : 'hidden';
      doc.dispatchEvent(new Event('visibilitychange'));
    },
    fire: (type: 'freeze' | 'resume') => doc.dispatchEvent(new Event(type)),
  };
}

/** The token expires TTL after each refresh; `refreshes` counts them. */
function tokens() {
  let expiresAt = Date.now() + TTL;
  const refresh = vi.fn(async () => void (expiresAt = Date.now() + TTL));
  return { expiresAt: async () => expiresAt, refresh };
}

const turn = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

let locks: FakeLockManager;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  locks = new FakeLockManager();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('autoRefresh leader', () => {
  it('a shown tab takes the leader lock and refreshes ahead of expiry', async () => {
    page(locks);
    const t = tokens();
    const auto = autoRefresh('c1', 60_000, t.expiresAt, t.refresh);
    await turn();
    expect(locks.held.has(LEADER)).toBe(true);
    await vi.advanceTimersByTimeAsync(TTL - 60_000);
    expect(t.refresh).toHaveBeenCalledTimes(1);
    auto.close();
    await turn();
    expect(locks.held.has(LEADER)).toBe(false);
  });

  it('hidden: the leader lets the lock go and refreshes nothing; the tab waiting for it (another, shown) leads', async () => {
    const tab = page(locks);
    const t = tokens();
    const auto = autoRefresh('c1', 60_000, t.expiresAt, t.refresh);
    await turn();
    let otherLeads = false;
    const other = locks.request(LEADER, {}, () => void (otherLeads = true));
    await turn();
    expect(otherLeads).toBe(false); // this tab leads while shown
    tab.show(false);
    await other;
    expect(otherLeads).toBe(true);
    await vi.advanceTimersByTimeAsync(2 * TTL);
    expect(t.refresh).not.toHaveBeenCalled(); // a hidden tab that does not lead schedules nothing
    auto.close();
  });

  it('frozen: the leader lets the lock go; resumed and shown, it asks again and leads once the lock is free', async () => {
    const tab = page(locks);
    const t = tokens();
    const auto = autoRefresh('c1', 60_000, t.expiresAt, t.refresh);
    await turn();
    tab.fire('freeze');
    await turn();
    expect(locks.held.has(LEADER)).toBe(false);
    const releaseOther = await locks.holdElsewhere(LEADER); // another tab leads meanwhile
    tab.fire('resume');
    await turn();
    expect(locks.pending.map((r) => r.name)).toEqual([LEADER]); // waits in line, shown
    await vi.advanceTimersByTimeAsync(TTL);
    expect(t.refresh).not.toHaveBeenCalled(); // the other tab leads: this one does not refresh
    releaseOther();
    await turn();
    expect(locks.held.has(LEADER)).toBe(true);
    await vi.advanceTimersByTimeAsync(5_000); // the token expired meanwhile: the new leader refreshes within 5 s
    expect(t.refresh).toHaveBeenCalledTimes(1);
    auto.close();
  });

  it('a tab hidden while it waits passes the lock on when its turn comes; shown again, it asks again', async () => {
    const tab = page(locks);
    const t = tokens();
    const releaseOther = await locks.holdElsewhere(LEADER);
    const auto = autoRefresh('c1', 60_000, t.expiresAt, t.refresh);
    await turn();
    tab.show(false);
    releaseOther();
    await turn();
    expect(locks.held.has(LEADER)).toBe(false); // granted while hidden: given back at once
    tab.show(true);
    await turn();
    expect(locks.held.has(LEADER)).toBe(true);
    expect(locks.requested.filter((n) => n === LEADER)).toHaveLength(3); // the other tab's, this tab's two
    auto.close();
  });
});
