import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimeoutError } from '../../src/errors.js';
import { runExclusive, webLocks } from '../../src/lock.js';
import { FakeLockManager } from './fake-lock-manager.js';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Settle state of a promise without waiting for it. */
async function state(p: Promise<unknown>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  const marker = Symbol();
  for (let i = 0; i < 20; i++) await Promise.resolve();
  return Promise.race([p.then(() => 'fulfilled' as const, () => 'rejected' as const), Promise.resolve(marker)]).then((v) =>
    v === marker ? 'pending' : (v as 'fulfilled' | 'rejected'),
  );
}

let n = 0;
const lockName = () => `rotor-auth:test-client:family-${++n}`;

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('runExclusive without Web Locks (in-tab fallback)', () => {
  it('uses the fallback when navigator or navigator.locks is missing or broken', async () => {
    expect(webLocks()).toBeUndefined(); // Node 20 has no navigator
    vi.stubGlobal('navigator', {});
    expect(webLocks()).toBeUndefined();
    vi.stubGlobal('navigator', { locks: { request: 'not a function' } });
    expect(webLocks()).toBeUndefined();
    await expect(runExclusive(lockName(), async () => 'ran', 1000)).resolves.toBe('ran');
  });

  it('runs holders of one name one at a time, in request order', async () => {
    const name = lockName();
    const log: string[] = [];
    const gates = [deferred(), deferred(), deferred()];
    const runs = gates.map((gate, i) =>
      runExclusive(
        name,
        async () => {
          log.push(`start ${i}`);
          await gate.promise;
          log.push(`end ${i}`);
          return i;
        },
        10_000,
      ),
    );
    await state(runs[0]!);
    expect(log).toEqual(['start 0']);
    gates[2]!.resolve(); // the last one may not jump the queue
    gates[1]!.resolve();
    await state(runs[0]!);
    expect(log).toEqual(['start 0']);
    gates[0]!.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('does not serialise different names', async () => {
    const gate = deferred();
    const first = runExclusive(lockName(), () => gate.promise.then(() => 'first'), 10_000);
    await expect(runExclusive(lockName(), async () => 'second', 10_000)).resolves.toBe('second');
    gate.resolve();
    await expect(first).resolves.toBe('first');
  });

  it('releases the lock when the holder throws (sync or async) and passes the error on', async () => {
    const name = lockName();
    const syncFailure = runExclusive(
      name,
      () => {
        throw new Error('sync boom');
      },
      1000,
    );
    const asyncFailure = runExclusive(name, async () => Promise.reject(new Error('async boom')), 1000);
    const after = runExclusive(name, async () => 'after', 1000);
    await expect(syncFailure).rejects.toThrow('sync boom');
    await expect(asyncFailure).rejects.toThrow('async boom');
    await expect(after).resolves.toBe('after');
  });

  it('bounds a hung holder by its own maximum time: it gets TimeoutError (and can no longer pin), the next waiter runs', async () => {
    vi.useFakeTimers();
    const name = lockName();
    let holderPin: (() => void) | undefined;
    const holder = runExclusive(name, (pin) => ((holderPin = pin), new Promise<never>(() => {})), 10_000);
    const holderOutcome = holder.catch((e: unknown) => e);
    const waiter = runExclusive(name, async () => 'waiter ran', 10_000);

    await vi.advanceTimersByTimeAsync(9_999);
    expect(await state(waiter)).toBe('pending');
    expect(await state(holder)).toBe('pending');

    await vi.advanceTimersByTimeAsync(1);
    const error = await holderOutcome;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).error).toBe('timeout');
    expect((error as TimeoutError).message).toBe(`Lock "${name}" held over 10000 ms: released`);
    expect(holderPin).toThrow(error as TimeoutError);
    await expect(waiter).resolves.toBe('waiter ran');
  });

  it('pin(): a pinned holder outlives its maximum time; pinning after it throws the TimeoutError the lock rejected with', async () => {
    vi.useFakeTimers();
    const name = lockName();
    const answer = deferred<string>();
    const pinned = runExclusive(name, (pin) => (pin(), answer.promise), 1_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await state(pinned)).toBe('pending'); // sent: waits for its answer
    answer.resolve('answered');
    await expect(pinned).resolves.toBe('answered');

    const gate = deferred();
    let thrown: unknown;
    const late = runExclusive(name, (pin) => gate.promise.then(() => {
      try {
        pin();
      } catch (e) {
        thrown = e;
        throw e;
      }
      return 'sent';
    }), 1_000);
    const outcome = late.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    gate.resolve();
    await vi.advanceTimersByTimeAsync(0);
    const error = await outcome;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(thrown).toBe(error); // nothing sent
  });

  it("never times a waiter out while the holder is within its own (longer) maximum time", async () => {
    vi.useFakeTimers();
    const name = lockName();
    const release = deferred();
    const holder = runExclusive(name, () => release.promise.then(() => 'holder done'), 30_000);
    const impatient = runExclusive(name, async () => 'impatient ran', 1_000);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(await state(impatient)).toBe('pending');
    release.resolve();
    await expect(holder).resolves.toBe('holder done');
    await expect(impatient).resolves.toBe('impatient ran');
  });
});

describe('runExclusive over a LockManager (navigator.locks)', () => {
  function installLocks(): FakeLockManager {
    const locks = new FakeLockManager();
    vi.stubGlobal('navigator', { locks });
    return locks;
  }

  it('takes the Web Lock named after the client and family', async () => {
    const locks = installLocks();
    expect(webLocks()).toBeDefined();
    const name = lockName();
    await expect(runExclusive(name, async () => (locks.held.has(name) ? 'held during fn' : 'not held'), 1000)).resolves.toBe(
      'held during fn',
    );
    expect(locks.requested).toEqual([name]);
    expect(locks.held.size).toBe(0);
  });

  it('snapshot: the held names come with an uncontended grant (queried behind the request), not with a waited one', async () => {
    const locks = installLocks();
    const name = lockName();
    const release = await locks.holdElsewhere(`${name}:seq:3`);
    await expect(runExclusive(name, (_pin, held) => held, 1000, { snapshot: true })).resolves.toEqual([`${name}:seq:3`, name]);
    await expect(runExclusive(name, (_pin, held) => held, 1000)).resolves.toBeUndefined(); // not asked for
    const blocker = await locks.holdElsewhere(name);
    const waited = runExclusive(name, (_pin, held) => held, 1000, { snapshot: true });
    await vi.waitFor(() => expect(locks.pending).toHaveLength(1));
    blocker();
    await expect(waited).resolves.toBeUndefined();
    release();
  });

  it('uses the in-tab queue instead when inTabOnly is set', async () => {
    const locks = installLocks();
    await expect(runExclusive(lockName(), async () => 'in tab', 1000, { inTabOnly: true })).resolves.toBe('in tab');
    expect(locks.requested).toEqual([]);
  });

  it('times a waiter out with TimeoutError only after the holder (another tab) had its maximum time', async () => {
    vi.useFakeTimers();
    const locks = installLocks();
    const name = lockName();
    const release = await locks.holdElsewhere(name); // another tab holds it and never lets go
    const waiter = runExclusive(name, async () => 'never', 5_000);
    const outcome = waiter.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(await state(waiter)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toBe(`Timed out after 5000 ms waiting for lock "${name}"`);
    expect(locks.pending).toHaveLength(0); // the aborted request left the queue
    release();
  });

  it('gives a waiter the full time of every holder queued ahead of it', async () => {
    vi.useFakeTimers();
    const locks = installLocks();
    const name = lockName();
    const release = await locks.holdElsewhere(name);
    const first = runExclusive(name, async () => 'first', 5_000).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    const second = runExclusive(name, async () => 'second', 5_000); // two ahead: holder + first
    const secondOutcome = second.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await first).toBeInstanceOf(TimeoutError);
    expect(await state(second)).toBe('pending');
    release(); // the other tab closes: its lock is released
    await expect(secondOutcome).resolves.toBe('second');
  });

  it('bounds its own hold on the Web Lock too, so another tab is never blocked for good', async () => {
    vi.useFakeTimers();
    const locks = installLocks();
    const name = lockName();
    const hung = runExclusive(name, () => new Promise<never>(() => {}), 2_000).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await hung).toBeInstanceOf(TimeoutError);
    expect(locks.held.has(name)).toBe(false);
    await expect(runExclusive(name, async () => 'next tab', 2_000)).resolves.toBe('next tab');
  });
});

describe('warming the Web Locks API', () => {
  it('a client with a shared cache makes its first lock call at construction (a query, nothing held); a memory client makes none', async () => {
    const locks = new FakeLockManager();
    const query = vi.spyOn(locks, 'query');
    const request = vi.spyOn(locks, 'request');
    vi.stubGlobal('navigator', { locks });
    const { AuthClient } = await import('../../src/client/client.js');
    const { InMemoryCache } = await import('../../src/cache/memory.js');
    new AuthClient({ domain: 'auth.rotor.test', clientId: 'demo', cacheLocation: 'memory' });
    expect(query).not.toHaveBeenCalled();
    new AuthClient({ domain: 'auth.rotor.test', clientId: 'demo', cache: new InMemoryCache() });
    expect(query).toHaveBeenCalledTimes(1);
    expect(request).not.toHaveBeenCalled();
    expect(locks.held.size).toBe(0);
  });
});
