import { StorageError } from './errors.js';
import { hasCrossTabLocks, markerSeqs, publishMarker } from './lock.js';
import { TokenStore, type FamilyRecord } from './cache/token-store.js';

/**
 * Rotation markers: the family record read under the family lock is not
 * always current, because storage that propagates asynchronously (Chromium's
 * localStorage across tabs) can still show the record from before the previous
 * holder's rotation. Each rotation bumps the record's `seq`; the marker lock
 * `{lockName}:seq:{n}` is taken before its request is sent and kept; the next
 * holder compares the highest marker with the record it reads and waits for
 * storage to catch up. It fails closed: when the markers cannot be read or taken, or
 * storage does not catch up within STORAGE_CATCH_UP_MS, it throws StorageError
 * and nothing is sent.
 */
/** Longest a lock holder waits for its storage to show the latest rotation (well within the lock's hold limit). */
export const STORAGE_CATCH_UP_MS = 2_000;
/** The rotation markers cannot be read or taken (fail closed). */
const LOCKS_FAILED = 'navigator.locks failed: nothing sent';
/** Poll interval while waiting (storage events end the wait sooner where there are any). */
const CATCH_UP_POLL_MS = 15;

/** Settles a marker claim: `true` once the rotation is stored, `false` when nothing was rotated. */
export type Settle = (rotated: boolean) => void;

export class Markers {
  /** Rotation marker this tab holds per family: its seq and how to release it. */
  private readonly held = new Map<string, { seq: number; release: () => void }>();

  constructor(
    private readonly store: TokenStore,
    /** `rotor-auth:{clientId}:` (the family lock's name is this plus the family). */
    private readonly lockPrefix: string,
    private readonly crossTab: boolean,
  ) {}

  /** Markers exist only where locks are cross-tab. */
  private get used(): boolean {
    return this.crossTab && hasCrossTabLocks();
  }

  private prefix(family: string): string {
    return `${this.lockPrefix}${family}:seq:`;
  }

  /** Stop holding this tab's rotation marker(s): of one family, or all (after sign-out). */
  release(family?: string): void {
    for (const [f, marker] of [...this.held]) {
      if (family !== undefined && f !== family) continue;
      marker.release();
      this.held.delete(f);
    }
  }

  /** Take marker `seq` (a failed request is a StorageError: fail closed); `settle` as claim() describes. */
  private async take(family: string, seq: number): Promise<{ granted: boolean; settle: Settle }> {
    let marker: { release: () => void; granted: boolean };
    try {
      marker = await publishMarker(`${this.prefix(family)}${seq}`);
    } catch {
      throw new StorageError(LOCKS_FAILED);
    }
    return {
      granted: marker.granted,
      settle: (rotated) => {
        if (!rotated) return marker.release();
        this.release(family);
        this.held.set(family, { seq, release: marker.release });
      },
    };
  }

  /**
   * Hold the marker of the seq a rotation will store. A marker request that
   * fails is a StorageError. The returned function settles the claim: `true`
   * once the rotation is stored (this tab's older marker is dropped), `false`
   * when nothing was rotated (the claim is dropped); call it before the family
   * lock is released.
   */
  async claim(family: string, seq: number): Promise<Settle> {
    return this.used ? (await this.take(family, seq)).settle : () => undefined;
  }

  /**
   * The family record as of the latest rotation (called with the family lock
   * held), and `also()` read alongside it, again after a wait for storage (so
   * it shows the same rotation). With `claimIf`, the marker of the next
   * rotation (record seq + 1) is claimed alongside the check when
   * `claimIf(record, also)` says a rotation will be attempted (for storage that
   * needs the marker before a request is sent); its settle function is the
   * third element (undefined without a claim). Fails closed: StorageError when
   * the markers cannot be read or taken.
   */
  async current<T>(
    family: string,
    also: () => Promise<T>,
    claimIf?: (record: FamilyRecord, other: T) => boolean,
  ): Promise<[FamilyRecord | undefined, T, Settle | undefined]> {
    if (!this.used) return [...(await Promise.all([this.store.getFamily(family), also()])), undefined];
    const reads = Promise.all([this.store.getFamily(family), also()]);
    const claimFor = (r: FamilyRecord | undefined, o: T) => (r && claimIf?.(r, o) ? this.take(family, TokenStore.seqOf(r) + 1) : undefined);
    const early = reads.then(([r, o]) => claimFor(r, o));
    early.catch(() => undefined);
    const [[record, other], seqs, mine] = await Promise.all([reads, markerSeqs(this.prefix(family)), early]);
    if (!record) {
      this.release(family); // signed out or family removed
      return [undefined, other, undefined];
    }
    if (seqs === undefined) {
      mine?.settle(false);
      throw new StorageError(LOCKS_FAILED);
    }
    // The query may list this very claim: it is ours, not a rotation another tab made.
    const wanted = Math.max(...seqs.filter((n) => !(mine?.granted && n === TokenStore.seqOf(record) + 1)));
    const own = this.held.get(family);
    if (own && own.seq < wanted) this.release(family); // another tab holds a newer one
    if (TokenStore.seqOf(record) >= wanted) return [record, other, mine?.settle];
    mine?.settle(false);
    const caughtUp = await this.waitForSeq(family, wanted);
    const again = await also();
    return [caughtUp, again, (await claimFor(caughtUp, again))?.settle];
  }

  private async waitForSeq(family: string, wanted: number): Promise<FamilyRecord | undefined> {
    const target = globalThis as { addEventListener?: typeof addEventListener; removeEventListener?: typeof removeEventListener };
    let wake: () => void = () => undefined;
    let expired = false;
    // Timers, not Date.now(): the wait is bounded like the lock's own hold limit.
    const limit = setTimeout(() => {
      expired = true;
      wake();
    }, STORAGE_CATCH_UP_MS);
    const onStorage = () => wake();
    target.addEventListener?.('storage', onStorage);
    try {
      for (;;) {
        const record = await this.store.getFamily(family);
        if (!record || TokenStore.seqOf(record) >= wanted) return record;
        if (expired) {
          throw new StorageError(
            `Refresh-token family ${family} at seq ${TokenStore.seqOf(record)}, another tab stored seq ${wanted}: storage lags, retry`,
          );
        }
        await new Promise<void>((resolve) => {
          const poll = setTimeout(resolve, CATCH_UP_POLL_MS);
          wake = () => {
            clearTimeout(poll);
            resolve();
          };
        });
      }
    } finally {
      clearTimeout(limit);
      target.removeEventListener?.('storage', onStorage);
    }
  }
}
