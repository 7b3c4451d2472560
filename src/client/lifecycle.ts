import type { SessionEvent } from '../session/events.js';
import type { FamilyLock } from '../session/family-lock.js';
import type { FamilyRecord, TokenStore } from '../cache/token-store.js';

/** What getSessionExpiry() resolves: when the signed-in session ends, as far as the SDK knows (epoch ms). */
export interface SessionExpiry {
  /** The refresh-token family's absolute end (the server's `refresh_token_expires_in`); absent when the server sent none. */
  absoluteExpiresAt?: number;
  /** With `idleTimeoutInSeconds`: the last user activity in any tab plus the timeout. */
  idleExpiresAt?: number;
}

/** The idle policy's part (`idleTimeoutInSeconds`): the timeout, the last activity in any tab, and the sign-out. */
export interface IdlePolicy {
  ms: number;
  lastActive: () => number;
  signOut: () => Promise<void>;
}

/** The longest delay setTimeout keeps (about 24.8 days); a longer wait is re-armed when it fires. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * The session's lifetime between calls (README, "Long-lived sessions"): `sessionExpiring` once per
 * family `leadMs` ahead of its end, and the family purged (`signedOut` `login_required`, no request)
 * when the end comes. Re-armed by every session event; timers are only a wake-up: each run reads
 * the stored record and the wall clock again.
 */
export function lifecycle(store: TokenStore, lock: FamilyLock, emit: (e: SessionEvent) => void, leadMs: number, idle?: IdlePolicy) {
  const warned = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  /** The signed-in session's family record. */
  const current = async (): Promise<FamilyRecord | undefined> => {
    const family = (await store.storedSession())?.family;
    return family ? store.getFamily(family) : undefined;
  };

  /** The session's ends as far as known: absolute (the family record) and idle (the last activity). */
  const ends = (record: FamilyRecord): SessionExpiry => ({
    absoluteExpiresAt: record.expires_at,
    idleExpiresAt: idle && idle.lastActive() + idle.ms,
  });

  const check = async (): Promise<void> => {
    clearTimeout(timer);
    const record = await current();
    if (closed || !record) return;
    const { absoluteExpiresAt = Infinity, idleExpiresAt = Infinity } = ends(record);
    // the earlier end is the one that matters; idle first when both fall together
    const [end, reason] = idleExpiresAt <= absoluteExpiresAt ? [idleExpiresAt, 'idle' as const] : [absoluteExpiresAt, 'absolute' as const];
    if (end === Infinity) return;
    const now = Date.now();
    if (end <= now) {
      await (reason === 'idle' ? idle!.signOut() : lock.ended(record.family));
      return;
    }
    // once per family and end (activity moves the idle end: a later end warns again)
    const once = `${record.family} ${reason} ${end}`;
    if (end - leadMs <= now && !warned.has(once)) {
      warned.add(once);
      emit({ type: 'sessionExpiring', expiresAt: end, reason });
    }
    const next = warned.has(once) ? end : end - leadMs;
    timer = setTimeout(() => void run(), Math.min(next - now, MAX_DELAY));
  };
  const run = () => check().catch(() => undefined);

  return {
    /** A session event (this tab's or another's): the horizon may have moved. */
    onEvent(e: SessionEvent): void {
      if (e.type !== 'sessionExpiring') void run();
    },
    run,
    /** Ends not known are undefined. */
    async expiry(): Promise<SessionExpiry> {
      const record = await current();
      return record ? ends(record) : {};
    },
    close(): void {
      closed = true;
      clearTimeout(timer);
    },
  };
}
