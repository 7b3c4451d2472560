import { StorageError } from './errors.js';
import { hasCrossTabLocks, markerSeqs, publishMarker } from './lock.js';
import { TokenStore, type FamilyRecord } from './cache/token-store.js';

/**
 * Rotation markers: the family record read under the family lock is not
 * always current, because storage that propagates asynchronously (Chromium's
 * localStorage across tabs) can still show the record from before the previous
 * holder's rotation. Each rotation bumps the record's `seq`; the marker lock
 * `{lockName}:seq:{n}` is taken before its request is sent (on IndexedDB,
 * which every tab reads alike, alongside it: there it only matters when the
 * write fails) and kept until the rotation is stored; the next
 * holder compares the highest marker with the record it reads and waits for
 * storage to catch up. It fails closed: when the markers cannot be read or taken, or
 * storage does not catch up within STORAGE_CATCH_UP_MS, it throws StorageError
 * and nothing is sent.
 */
/** Longest a lock holder waits for its storage to show the latest rotation (well within the lock's hold limit). */
export const STORAGE_CATCH_UP_MS = 2_000;
/** Poll interval while waiting. */
const CATCH_UP_POLL_MS = 15;
/** The rotation markers cannot be read or taken (fail closed). */
const locksFailed = () => new StorageError('navigator.locks failed: nothing sent');

/** Settles a marker claim: `true` once the rotation is stored, `false` when nothing was rotated. */
export type Settle = (rotated: boolean) => void;

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

export class Markers {
  /** Rotation marker this tab holds per family: its seq and how to release it. */
  private readonly held = new Map<string, [seq: number, release: () => void]>();

  constructor(
    private readonly store: TokenStore,
    /** `rotor-auth:{clientId}:` (the family lock's name is this plus the family). */
    private readonly lockPrefix: string,
    private readonly crossTab: boolean,
  ) {}

  private prefix(family: string): string {
    return `${this.lockPrefix}${family}:seq:`;
  }

  /** Stop holding this tab's rotation marker(s): of one family, or all (after sign-out). */
  release(family?: string): void {
    for (const [f, [, release]] of this.held) {
      if (family === undefined || f === family) {
        release();
        this.held.delete(f);
      }
    }
  }

  /**
   * Take marker `seq` of the seq a rotation will store (a failed request is a StorageError: fail closed).
   * Resolves [settle, granted] (granted: this request took it; else another context holds it already).
   * `settle` settles the claim: `true` once the rotation is stored (this tab's older marker is dropped),
   * `false` when nothing was rotated (the claim is dropped); call it before the family lock is released.
   */
  private async take(family: string, seq: number): Promise<[settle: Settle, granted: boolean]> {
    const { release, granted } = await publishMarker(`${this.prefix(family)}${seq}`).catch(() => {
      throw locksFailed();
    });
    return [
      (rotated) => {
        if (!rotated) return release();
        this.release(family);
        this.held.set(family, [seq, release]);
      },
      granted,
    ];
  }

  /** Hold the marker of the seq a rotation will store (see take()); a no-op where there are no markers. */
  async claim(family: string, seq: number): Promise<Settle> {
    return this.crossTab && hasCrossTabLocks() ? (await this.take(family, seq))[0] : () => undefined;
  }

  /**
   * The family record as of the latest rotation (called with the family lock
   * held), and `also()` read alongside it, again after a wait for storage (so
   * it shows the same rotation). With `claimIf`, the marker of the next
   * rotation (record seq + 1) is claimed alongside the check when
   * `claimIf(record, also)` says a rotation will be attempted (for storage that
   * needs the marker before a request is sent); its settle function is the
   * third element (undefined without a claim). Fails closed: StorageError when
   * the markers cannot be read or taken, or storage does not catch up in time.
   * (Markers exist only where locks are cross-tab.)
   */
  async current<T>(
    family: string,
    also: () => Promise<T>,
    claimIf?: (record: FamilyRecord, other: T) => boolean,
  ): Promise<[FamilyRecord | undefined, T, Settle | undefined]> {
    const reads = Promise.all([this.store.getFamily(family), also()]);
    if (!this.crossTab || !hasCrossTabLocks()) return [...(await reads), undefined];
    const claimFor = (r: FamilyRecord | undefined, o: T) => (r && claimIf?.(r, o) ? this.take(family, TokenStore.seqOf(r) + 1) : undefined);
    const early = reads.then(([r, o]) => claimFor(r, o));
    early.catch(() => undefined);
    const [[record, other], seqs, mine] = await Promise.all([reads, markerSeqs(this.prefix(family)), early]);
    if (!record) {
      this.release(family); // signed out or family removed
      return [undefined, other, undefined];
    }
    const seq = TokenStore.seqOf(record);
    if (!seqs) {
      mine?.[0](false);
      throw locksFailed();
    }
    // The query may list this very claim: it is ours, not a rotation another tab made.
    const wanted = Math.max(...seqs.filter((n) => !(mine?.[1] && n === seq + 1)));
    if ((this.held.get(family)?.[0] ?? wanted) < wanted) this.release(family); // another tab holds a newer one
    if (seq >= wanted) return [record, other, mine?.[0]];
    mine?.[0](false);
    // Storage lags behind the lock handoff: wait for it (storage events are not waited for: polling is as quick).
    const caughtUp = await pollUntil(() => this.store.getFamily(family), (r) => !r || TokenStore.seqOf(r) >= wanted, STORAGE_CATCH_UP_MS / CATCH_UP_POLL_MS, CATCH_UP_POLL_MS);
    if (caughtUp && TokenStore.seqOf(caughtUp) < wanted) {
      throw new StorageError(`Refresh-token family ${family} at seq ${TokenStore.seqOf(caughtUp)}, another tab stored seq ${wanted}: storage lags, retry`);
    }
    const again = await also();
    return [caughtUp, again, (await claimFor(caughtUp, again))?.[0]];
  }
}
