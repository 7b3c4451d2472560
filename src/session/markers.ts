import { StorageError } from '../errors.js';
import { markerSeqs, publishMarker, webLocks, type Held } from '../lock.js';
import { seqOf, type FamilyRecord, type TokenStore } from '../cache/token-store.js';

/**
 * Rotation markers: the family record read under the family lock is not
 * always current, because storage that propagates asynchronously (Chromium's
 * localStorage across tabs) can still show the record from before the previous
 * holder's rotation. Each rotation bumps the record's `seq`; its tab takes the
 * marker lock `{lockName}:seq:{n}` alongside the commit and before it releases
 * the family lock, and keeps it until it rotates again (or another tab holds a
 * newer one); the next holder compares the highest marker with the record it
 * reads and waits for storage to catch up. The check fails closed: when the
 * markers cannot be read, or storage does not catch up within
 * STORAGE_CATCH_UP_MS, it throws StorageError and nothing is sent. A marker
 * that cannot be taken (the rotation is stored already) keeps the family lock
 * for STORAGE_CATCH_UP_MS instead, the time a reader would have waited.
 */
/** Longest a lock holder waits for its storage to show the latest rotation (well within the lock's hold limit). */
export const STORAGE_CATCH_UP_MS = 2_000;
/** Poll interval while waiting. */
const CATCH_UP_POLL_MS = 15;

/**
 * Read `read()` until `done` says yes, every `ms`, at most `tries` more times (timers, not Date.now():
 * bounded whatever the clock does); resolves with the last value read.
 */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => unknown, tries: number, ms: number): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value) || tries-- <= 0) return value;
    await new Promise((r) => setTimeout(r, ms));
  }
}

/** Rotation markers of one client (`lockPrefix`: `rotor-auth:{clientId}:`, the family lock's name is this plus the family). */
export function markers(store: TokenStore, lockPrefix: string, crossTab: boolean) {
  /** Rotation marker this tab holds per family: its seq and how to release it. */
  const mine = new Map<string, [seq: number, release: () => void]>();
  const prefix = (family: string) => `${lockPrefix}${family}:seq:`;
  /** Markers exist only where locks are cross-tab. */
  const lockManager = () => (crossTab ? webLocks() : undefined);

  /** Stop holding this tab's rotation marker(s): of one family, or all (after sign-out). */
  const release = (family?: string): void => {
    for (const [f, [, release]] of mine) {
      if (family === undefined || f === family) {
        release();
        mine.delete(f);
      }
    }
  };

  return {
    release,

    /**
     * Hold marker `seq` for the rotation this tab has just stored (call it before the family lock is
     * released, and wait for it), dropping this tab's older marker. Taken a task later: a lock request
     * costs main-thread time the caller, who has its token by then, does not wait for. Already held
     * by another context: published either way. When it cannot be taken, the family lock is kept
     * STORAGE_CATCH_UP_MS longer on storage that other tabs read late (their first read may be stale,
     * and no marker tells them).
     */
    async hold(family: string, seq: number): Promise<void> {
      const locks = lockManager();
      if (!locks) return;
      await new Promise((r) => setTimeout(r));
      try {
        const done = await publishMarker(locks, `${prefix(family)}${seq}`);
        release(family);
        mine.set(family, [seq, done]);
      } catch {
        if (!store.consistent) await new Promise((r) => setTimeout(r, STORAGE_CATCH_UP_MS));
      }
    },

    /**
     * The family record as of the latest rotation (called with the family lock
     * held), and `also()` read alongside it, again after a wait for storage (so
     * it shows the same rotation). `held`: the lock names the family lock's grant
     * came with (else they are queried here). Fails closed: StorageError when the
     * markers cannot be read, or storage does not catch up in time. (Markers
     * exist only where locks are cross-tab.)
     */
    async current<T>(family: string, also: () => Promise<T>, held?: Held): Promise<[FamilyRecord | undefined, T]> {
      const reads = Promise.all([store.getFamily(family), also()]);
      const locks = lockManager();
      if (!locks) return reads;
      const [[record, other], seqs] = await Promise.all([reads, markerSeqs(locks, prefix(family), held)]);
      if (!record) {
        release(family); // signed out or family removed
        return [undefined, other];
      }
      if (!seqs) throw new StorageError('navigator.locks failed: nothing sent'); // fail closed
      const wanted = Math.max(...seqs);
      if ((mine.get(family)?.[0] ?? wanted) < wanted) release(family); // another tab holds a newer one
      if (seqOf(record) >= wanted) return [record, other];
      // Storage lags behind the lock handoff: wait for it (storage events are not waited for: polling is as quick).
      const caughtUp = await pollUntil(() => store.getFamily(family), (r) => !r || seqOf(r) >= wanted, STORAGE_CATCH_UP_MS / CATCH_UP_POLL_MS, CATCH_UP_POLL_MS);
      if (caughtUp && seqOf(caughtUp) < wanted) {
        throw new StorageError(`Family ${family} at seq ${seqOf(caughtUp)}, another tab stored ${wanted}: storage lags, retry`);
      }
      return [caughtUp, await also()];
    },
  };
}

export type Markers = ReturnType<typeof markers>;
