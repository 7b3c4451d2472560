import { afterEach, describe, expect, it, vi } from 'vitest';
import { markerSeqs, publishMarker } from '../../src/lock.js';
import { FakeLockManager } from './fake-lock-manager.js';

const PREFIX = 'rotor-auth:demo:fam-1:seq:';

/** The highest held marker of `prefix` (0 when none), undefined when unknown. */
const highestMarker = async (prefix: string) => {
  const seqs = await markerSeqs(prefix);
  return seqs && Math.max(...seqs);
};

afterEach(() => vi.unstubAllGlobals());

/** The browser's LockManager as far as markers use it: request with ifAvailable (callback gets the lock or null) and query(). */
class IfAvailableLocks extends FakeLockManager {
  override request<T>(name: string, options: { signal?: AbortSignal; ifAvailable?: boolean }, callback: (lock: { name: string } | null) => Promise<T> | T): Promise<T> {
    if (options.ifAvailable && this.held.has(name)) return Promise.resolve().then(() => callback(null));
    return super.request(name, options, () => callback({ name }));
  }
}

describe('rotation markers (Web Locks)', () => {
  it('without Web Locks: publishing is a no-op and the highest marker is unknown', async () => {
    const release = await publishMarker(`${PREFIX}1`);
    release();
    expect(await highestMarker(PREFIX)).toBeUndefined();
  });

  it('a published marker is held (visible to query) as soon as publishMarker resolves, until released', async () => {
    const locks = new IfAvailableLocks();
    vi.stubGlobal('navigator', { locks });
    expect(await highestMarker(PREFIX)).toBe(0);
    const release = await publishMarker(`${PREFIX}3`);
    expect([...locks.held]).toEqual([`${PREFIX}3`]);
    expect(await highestMarker(PREFIX)).toBe(3);
    release();
    await vi.waitFor(() => expect(locks.held.size).toBe(0));
    expect(await highestMarker(PREFIX)).toBe(0);
  });

  it('markerSeqs lists the seqs of this prefix only, ignoring other families, the family lock itself and junk', async () => {
    const locks = new IfAvailableLocks();
    vi.stubGlobal('navigator', { locks });
    await publishMarker(`${PREFIX}2`);
    await publishMarker(`${PREFIX}10`);
    await publishMarker(`${PREFIX}9`);
    await publishMarker('rotor-auth:demo:fam-2:seq:99');
    await publishMarker('rotor-auth:demo:fam-1:seq:1e9');
    await publishMarker(`${PREFIX}-4`);
    await locks.holdElsewhere('rotor-auth:demo:fam-1');
    expect((await markerSeqs(PREFIX))?.sort((a, b) => a - b)).toEqual([0, 2, 9, 10]);
    expect(await highestMarker('rotor-auth:demo:fam-2:seq:')).toBe(99);
    expect(await highestMarker('rotor-auth:demo:fam-3:seq:')).toBe(0);
  });

  it('publishing a marker that is already held resolves at once instead of waiting for it', async () => {
    const locks = new IfAvailableLocks();
    vi.stubGlobal('navigator', { locks });
    const releaseOther = await locks.holdElsewhere(`${PREFIX}5`);
    const release = await publishMarker(`${PREFIX}5`); // held by the other context: published, not by us
    expect(locks.pending).toHaveLength(0);
    release(); // releasing the no-op must not release the other holder's lock
    expect(await highestMarker(PREFIX)).toBe(5);
    releaseOther();
  });

  it('a marker lock request that fails rejects (the caller fails closed), nothing is held', async () => {
    const locks = new IfAvailableLocks();
    locks.request = () => Promise.reject(new DOMException('lock manager gone', 'InvalidStateError'));
    vi.stubGlobal('navigator', { locks });
    await expect(publishMarker(`${PREFIX}4`)).rejects.toMatchObject({ name: 'InvalidStateError' });
    expect(await highestMarker(PREFIX)).toBe(0);
  });

  it('a query() failure makes the highest marker unknown, not 0', async () => {
    const locks = new IfAvailableLocks();
    locks.query = () => Promise.reject(new Error('boom'));
    vi.stubGlobal('navigator', { locks });
    expect(await highestMarker(PREFIX)).toBeUndefined();
  });
});
