import { afterEach, describe, expect, it, vi } from 'vitest';
import { openTabSync, tabMessage, type TabMessage, type TabSync } from '../../src/session/tab-sync.js';

let n = 0;
const channelName = () => `rotor-auth:test-client-${++n}`;
const opened: TabSync[] = [];
function open(name: string): TabSync {
  const sync = openTabSync(name);
  opened.push(sync);
  return sync;
}

/** Resolves with the next message `sync` receives. */
function next(sync: TabSync): Promise<TabMessage> {
  return new Promise((resolve) => {
    const off = sync.subscribe((m) => {
      off();
      resolve(m);
    });
  });
}

afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('openTabSync (BroadcastChannel)', () => {
  it('delivers every message type to the other tab, not back to the sender', async () => {
    const name = channelName();
    const tabA = open(name);
    const tabB = open(name);
    const seenByA: TabMessage[] = [];
    tabA.subscribe((m) => seenByA.push(m));
    const messages: TabMessage[] = [
      { type: 'rotated', family: 'fam-1' },
      { type: 'family_removed', family: 'fam-1' },
      { type: 'logout' },
      { type: 'cleared' },
    ];
    for (const m of messages) {
      const received = next(tabB);
      tabA.post(m);
      expect(await received).toEqual(m);
    }
    // B answers; once A has that, anything A sent to itself would have arrived before it.
    const reply = next(tabA);
    tabB.post({ type: 'logout' });
    await reply;
    expect(seenByA).toEqual([{ type: 'logout' }]);
  });

  it('keeps channels of different clients apart', async () => {
    const a = open(channelName());
    const other = open(channelName());
    const sameAsA = open(`rotor-auth:test-client-${n - 1}`);
    const seenByOther: TabMessage[] = [];
    other.subscribe((m) => seenByOther.push(m));
    const received = next(sameAsA);
    a.post({ type: 'cleared' });
    expect(await received).toEqual({ type: 'cleared' });
    // A message on `other`'s own channel arrives after anything misrouted would have.
    const marker = next(other);
    open(`rotor-auth:test-client-${n}`).post({ type: 'logout' });
    await marker;
    expect(seenByOther).toEqual([{ type: 'logout' }]);
  });

  it('ignores foreign or malformed messages and strips unknown fields', async () => {
    const name = channelName();
    const tab = open(name);
    const seen: TabMessage[] = [];
    tab.subscribe((m) => seen.push(m));
    const raw = new BroadcastChannel(name);
    try {
      const done = next(tab);
      for (const junk of ['logout', null, 42, {}, { type: 'rotated' }, { type: 'rotated', family: '' }, { type: 'evil', family: 'x' }]) {
        raw.postMessage(junk);
      }
      raw.postMessage({ type: 'rotated', family: 'fam-9', refresh_token: 'must-not-travel' });
      expect(await done).toEqual({ type: 'rotated', family: 'fam-9' });
      expect(seen).toEqual([{ type: 'rotated', family: 'fam-9' }]);
    } finally {
      raw.close();
    }
    expect(tabMessage({ type: 'family_removed', family: 'f', extra: 1 })).toEqual({ type: 'family_removed', family: 'f' });
    expect(tabMessage({ type: 'family_removed', family: 3 })).toBeUndefined();
    expect(tabMessage({ type: 'tokenRefreshed', audience: 'a', expiresAt: 1, x: 2 })).toEqual({ type: 'tokenRefreshed', audience: 'a', expiresAt: 1 });
    expect(tabMessage({ type: 'tokenRefreshed', audience: 'a' })).toBeUndefined();
  });

  it('never sends fields other than type and family', async () => {
    const name = channelName();
    const tab = open(name);
    const raw = new BroadcastChannel(name);
    try {
      const got = new Promise<unknown>((resolve) => (raw.onmessage = (e) => resolve(e.data)));
      tab.post({ type: 'rotated', family: 'fam-2', access_token: 'secret' } as unknown as TabMessage);
      expect(await got).toEqual({ type: 'rotated', family: 'fam-2' });
    } finally {
      raw.close();
    }
  });

  it('keeps delivering to other listeners when one throws', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    vi.stubGlobal('reportError', undefined);
    const name = channelName();
    const sender = open(name);
    const receiver = open(name);
    receiver.subscribe(() => {
      throw new Error('listener bug');
    });
    const received = next(receiver);
    sender.post({ type: 'logout' });
    expect(await received).toEqual({ type: 'logout' });
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors.mock.calls[0]![1]).toBeInstanceOf(Error);
  });

  it('stops delivery after unsubscribe and close; post after close is a silent no-op', async () => {
    const name = channelName();
    const sender = open(name);
    const receiver = open(name);
    const seen: TabMessage[] = [];
    const off = receiver.subscribe((m) => seen.push(m));
    const first = next(receiver);
    sender.post({ type: 'cleared' });
    await first;
    off();
    const second = next(receiver);
    sender.post({ type: 'logout' });
    await second;
    expect(seen).toEqual([{ type: 'cleared' }]);

    receiver.close();
    expect(() => receiver.post({ type: 'logout' })).not.toThrow();
    expect(receiver.subscribe(() => undefined)).toBeTypeOf('function');
    sender.close();
    expect(() => sender.post({ type: 'cleared' })).not.toThrow();
    expect(() => sender.close()).not.toThrow();
  });

  it('is a no-op where BroadcastChannel does not exist', () => {
    vi.stubGlobal('BroadcastChannel', undefined);
    const sync = openTabSync(channelName());
    const listener = vi.fn();
    const off = sync.subscribe(listener);
    expect(() => sync.post({ type: 'logout' })).not.toThrow();
    off();
    sync.close();
    expect(listener).not.toHaveBeenCalled();
  });
});
