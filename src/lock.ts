import { TimeoutError } from './errors.js';

/** Ignores a settled promise's outcome (only its timing matters here). */
const noop = (): void => {};

/**
 * fn gets `pin()`: call it just before sending something whose
 * answer must be kept (a refresh). It throws the hold's TimeoutError when the
 * hold time is already over (do not send; runExclusive has rejected with that
 * error already); once pinned, the holder is no longer cut off at
 * its hold limit: the lock is released when fn settles (the caller bounds fn
 * itself, e.g. by HTTP timeouts), so a sent refresh's response is committed
 * before anyone else holds the lock.
 * `held` (with `snapshot`, when the lock was free at once): the names of the
 * Web Locks held just after this grant (undefined when query() failed); else
 * undefined (query yourself).
 */
export type LockedFn<T> = (pin: () => void, held?: Held) => Promise<T> | T;

/** How runExclusive locks: `inTabOnly` forces the in-tab fallback; `snapshot` also reads the held Web Locks. */
export interface LockOptions {
  inTabOnly?: boolean;
  snapshot?: boolean;
}

/** Names of the Web Locks held at one moment; undefined when they cannot be known. */
export type Held = Promise<(string | undefined)[] | undefined>;

/** The Web Locks API, when this environment has one (runExclusive then coordinates across tabs). */
export function webLocks(): LockManager | undefined {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  return typeof locks?.request === 'function' ? locks : undefined;
}

/** A page's first Web Lock call costs milliseconds (the browser connects its lock manager): make it early, off the refresh path. */
export function warmLocks(): void {
  webLocks()?.query().catch(() => undefined);
}

/**
 * runExclusive(name, fn, timeoutMs, inTabOnly?, snapshot?): run fn while holding the lock `name`,
 * across tabs when the Web Locks API exists (`navigator.locks`), else within
 * this tab only (a FIFO queue per name; the caller re-reads shared state after
 * acquiring, which covers the rest).
 *
 * `timeoutMs` is the holder's own maximum time, and every caller of one lock
 * name passes the same value:
 * - a holder keeps the lock at most `timeoutMs` (unless pinned): then the
 *   lock is released and runExclusive rejects with TimeoutError (so a hung
 *   holder can never block the lock for good);
 * - a waiter gives up with TimeoutError only after every holder queued ahead
 *   of it has had its full `timeoutMs` (`timeoutMs` × holders ahead), never
 *   while the current holder is still within its own time. (In-tab, holders
 *   are bounded by the same code, so a waiter always gets its turn.)
 * A tab that dies while holding a Web Lock releases it (browser guarantee).
 *
 * `inTabOnly` forces the in-tab fallback (memory caches, the iframe, tests). `snapshot`: also read which
 * Web Locks are held right after an uncontended grant, in the same round trip (`held` of LockedFn; see
 * withWebLock). `timeoutMs` must be a positive finite number: every caller passes a checked option or a constant.
 */
export function runExclusive<T>(name: string, fn: LockedFn<T>, timeoutMs: number, { inTabOnly = false, snapshot = false }: LockOptions = {}): Promise<T> {
  const locks = inTabOnly ? undefined : webLocks();
  return locks ? withWebLock(locks, name, fn, timeoutMs, snapshot) : withTabLock(name, fn, timeoutMs);
}

/** Run fn for at most timeoutMs; afterwards reject (the caller then releases the lock). */
function hold<T>(name: string, fn: LockedFn<T>, timeoutMs: number, held?: Held): Promise<T> {
  let pinned = false;
  /** Set once the hold time is over (and the lock released). */
  let late: TimeoutError | undefined;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (pinned) return; // a sent request: wait for its answer
      reject((late = new TimeoutError(`Lock "${name}" held over ${timeoutMs} ms: released`)));
    }, timeoutMs);
    const pin = () => {
      if (late) throw late;
      pinned = true;
    };
    Promise.resolve()
      .then(() => fn(pin, held))
      .then(resolve, reject)
      .finally(() => clearTimeout(timer));
  });
}

/** The names of the Web Locks held now (and, with `pending`, requested); undefined when query() fails. */
async function lockNames(locks: LockManager, pending?: boolean): Held {
  try {
    const snapshot = await locks.query();
    return [...(snapshot.held ?? []), ...((pending && snapshot.pending) || [])].map((l) => l.name);
  } catch {
    return undefined;
  }
}

// ---- Web Locks (cross-tab) ----

const NOT_GRANTED: unique symbol = Symbol();

/**
 * Run `hold(fn)` under the Web Lock, uncontended first (the common case: one request, no locks.query() on
 * the critical path), else queued with a wait bounded as described above. Resolves with fn's outcome as
 * soon as it settles (the lock is released then too, but the caller does not wait for the release's
 * round trip to the browser). With `snapshot`, a query() is sent right behind the uncontended
 * request: Web Locks run requests and queries in order (one lock task queue), so it lists what is
 * held once this request is granted, with no round trip of its own after the grant.
 */
async function withWebLock<T>(locks: LockManager, name: string, fn: LockedFn<T>, timeoutMs: number, snapshot?: boolean): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let acquired = false;
  let waitMs = 0;
  const request = (options: { ifAvailable?: boolean; signal?: AbortSignal }, snap?: boolean) =>
    new Promise<T | typeof NOT_GRANTED>((resolve, reject) => {
      let held: Held | undefined;
      locks
        .request(name, options as Parameters<LockManager['request']>[1], (lock) => {
          if (!lock) return resolve(NOT_GRANTED);
          acquired = true; // the wait's timer may still fire: a granted request ignores its signal
          const work = hold(name, fn, timeoutMs, held);
          work.then(resolve, reject);
          return work.catch(noop);
        })
        .catch(reject);
      // Right behind the request, in the same task (the callback always runs later); lockNames never rejects.
      if (snap) held = lockNames(locks);
    });
  try {
    const quick = await request({ ifAvailable: true }, snapshot);
    if (quick !== NOT_GRANTED) return quick;
    const ahead = (await lockNames(locks, true))?.filter((n) => n === name).length ?? 1;
    waitMs = timeoutMs * Math.max(1, ahead);
    timer = setTimeout(() => controller.abort(), waitMs);
    return (await request({ signal: controller.signal })) as T;
  } catch (e) {
    if (!acquired && controller.signal.aborted) throw new TimeoutError(`Timed out after ${waitMs} ms waiting for lock "${name}"`);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

// ---- In-tab fallback: one FIFO chain per name ----
// Every holder here is bounded by its own timeoutMs (hold()), so a waiter
// always gets the lock after at most the sum of the times of those ahead of
// it; it needs no timer of its own and never gives up early. (One settled
// promise per lock name stays in the map: names are few per client.)

const tails = new Map<string, Promise<unknown>>();

function withTabLock<T>(name: string, fn: LockedFn<T>, timeoutMs: number): Promise<T> {
  const run = (tails.get(name) ?? Promise.resolve()).then(() => hold(name, fn, timeoutMs));
  tails.set(name, run.catch(noop));
  return run;
}

// ---- Rotation markers (cross-tab, Web Locks only) ----
// localStorage writes reach other renderer processes asynchronously (Chromium),
// so the next holder of a family lock can read the cache from before the last
// rotation. A marker is a lock, held by the tab that rotated, whose name carries
// the family record's new `seq`. It is taken BEFORE the family lock is released,
// and lock requests, releases and queries all go through the one browser-side
// LockManager, so whoever gets the family lock next sees the marker in
// `query()` even when its storage is still behind.

/**
 * Take the lock `name` and keep it until the returned release function is
 * called. Resolves once it is held, or at once when another context holds it
 * already (then it is published by that holder, and release does nothing);
 * rejects when the lock request fails.
 */
export async function publishMarker(locks: LockManager, name: string): Promise<() => void> {
  let release: () => void = noop;
  await new Promise<void>((held, failed) => {
    // ifAvailable: if this exact marker is held already, it is published; never wait for it.
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        held();
        return lock ? new Promise<void>((r) => (release = r)) : undefined; // null: not granted (ifAvailable)
      })
      .catch(failed);
  });
  return release;
}

/**
 * The `n` of every held lock named `${prefix}${n}`, and 0 (so the list is
 * never empty); undefined when it cannot be known (query() failed). `held`:
 * lock names read already (a grant's snapshot), else queried.
 */
export async function markerSeqs(locks: LockManager, prefix: string, held?: Held): Promise<number[] | undefined> {
  const names = await (held ?? lockNames(locks));
  if (!names) return undefined;
  const seqs = [0];
  for (const name of names) {
    const rest = name?.startsWith(prefix) ? name.slice(prefix.length) : '';
    if (/^\d{1,15}$/.test(rest)) seqs.push(Number(rest));
  }
  return seqs;
}
