import { describe, expect, it, vi } from 'vitest';
import { markerSeqs, publishMarker } from '../../src/lock.js';
import { FakeLockManager } from './fake-lock-manager.js';

const PREFIX = 'rotor-auth:demo:fam-1:seq:';

/** The highest held marker of `prefix` (0 when none), undefined when unknown. */
const highestMarker = async (locks: IfAvailableLocks, prefix: string) => {
  const seqs = await markerSeqs(lm(locks), prefix);
  return seqs && Math.max(...seqs);
};

/** The fake as the LockManager type the SDK functions take. */
const lm = (locks: FakeLockManager) => locks as unknown as LockManager;

/** The browser's LockManager as far as markers use it: request with ifAvailable (callback gets the lock or null) and query(). */
class IfAvailableLocks extends FakeLockManager {
  override request<T>(name: string, options: { signal?: AbortSignal; ifAvailable?: boolean }, callback: (lock: { name: string } | null) => Promise<T> | T): Promise<T> {
    if (options.ifAvailable && this.held.has(name)) return Promise.resolve().then(() => callback(null));
    return super.request(name, options, () => callback({ name }));
  }
}

describe('rotation markers (Web Locks)', () => {
  it("markerSeqs reads a grant's snapshot when given one (no query() of its own)", async () => {
    const locks = new IfAvailableLocks();
    const query = vi.spyOn(locks, 'query');
    const held = Promise.resolve([`${PREFIX}7`, 'rotor-auth:demo:fam-1', undefined]);
    expect(await markerSeqs(lm(locks), PREFIX, held)).toEqual([0, 7]);
    expect(query).not.toHaveBeenCalled();
    expect(await markerSeqs(lm(locks), PREFIX, Promise.resolve(undefined))).toBeUndefined(); // the snapshot's query() failed
  });

  it('a published marker is held (visible to query) as soon as publishMarker resolves, until released', async () => {
    const locks = new IfAvailableLocks();
    expect(await highestMarker(locks, PREFIX)).toBe(0);
    const release = await publishMarker(lm(locks), `${PREFIX}3`);
    expect([...locks.held]).toEqual([`${PREFIX}3`]);
    expect(await highestMarker(locks, PREFIX)).toBe(3);
    release();
    await vi.waitFor(() => expect(locks.held.size).toBe(0));
    expect(await highestMarker(locks, PREFIX)).toBe(0);
  });

  it('markerSeqs lists the seqs of this prefix only, ignoring other families, the family lock itself and junk', async () => {
    const locks = new IfAvailableLocks();
    await publishMarker(lm(locks), `${PREFIX}2`);
    await publishMarker(lm(locks), `${PREFIX}10`);
    await publishMarker(lm(locks), `${PREFIX}9`);
    await publishMarker(lm(locks), 'rotor-auth:demo:fam-2:seq:99');
    await publishMarker(lm(locks), 'rotor-auth:demo:fam-1:seq:1e9');
    await publishMarker(lm(locks), `${PREFIX}-4`);
    await locks.holdElsewhere('rotor-auth:demo:fam-1');
    expect((await markerSeqs(lm(locks), PREFIX))?.sort((a, b) => a - b)).toEqual([0, 2, 9, 10]);
    expect(await highestMarker(locks, 'rotor-auth:demo:fam-2:seq:')).toBe(99);
    expect(await highestMarker(locks, 'rotor-auth:demo:fam-3:seq:')).toBe(0);
  });

  it('publishing a marker that is already held resolves at once instead of waiting for it', async () => {
    const locks = new IfAvailableLocks();
    const releaseOther = await locks.holdElsewhere(`${PREFIX}5`);
    const release = await publishMarker(lm(locks), `${PREFIX}5`); // held by the other context: published, not by us
    expect(locks.pending).toHaveLength(0);
    release(); // releasing the no-op must not release the other holder's lock
    expect(await highestMarker(locks, PREFIX)).toBe(5);
    releaseOther();
  });

  it('a marker lock request that fails rejects (the caller fails closed), nothing is held', async () => {
    const locks = new IfAvailableLocks();
    locks.request = () => Promise.reject(new DOMException('lock manager gone', 'InvalidStateError'));
    await expect(publishMarker(lm(locks), `${PREFIX}4`)).rejects.toMatchObject({ name: 'InvalidStateError' });
    expect(await highestMarker(locks, PREFIX)).toBe(0);
  });

  it('a query() failure makes the highest marker unknown, not 0', async () => {
    const locks = new IfAvailableLocks();
    locks.query = () => Promise.reject(new Error('boom'));
    expect(await highestMarker(locks, PREFIX)).toBeUndefined();
  });
});
