import type { SessionEvent } from '../session/events.js';
import type { FamilyLock } from '../session/family-lock.js';
import type { FamilyRecord, TokenStore } from '../cache/token-store.js';

/** What getSessionExpiry() resolves: when the signed-in session ends, as far as the SDK knows (epoch ms). */
export interface SessionExpiry {
  /** The refresh-token family's absolute end (the server's `refresh_token_expires_in`); absent when the server sent none. */
  absoluteExpiresAt?: number;
}

/** The longest delay setTimeout keeps (about 24.8 days); a longer wait is re-armed when it fires. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * The session's lifetime between calls (README, "Long-lived sessions"): `sessionExpiring` once per
 * family `leadMs` ahead of its end, and the family purged (`signedOut` `login_required`, no request)
 * when the end comes. Re-armed by every session event; timers are only a wake-up: each run reads
 * the stored record and the wall clock again.
 */
export function lifecycle(store: TokenStore, lock: FamilyLock, emit: (e: SessionEvent) => void, leadMs: number) {
  const warned = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  /** The signed-in session's family record. */
  const current = async (): Promise<FamilyRecord | undefined> => {
    const family = (await store.storedSession())?.family;
    return family ? store.getFamily(family) : undefined;
  };

  const check = async (): Promise<void> => {
    clearTimeout(timer);
    const record = await current();
    const end = record?.expires_at;
    if (closed || !record || end === undefined) return;
    const now = Date.now();
    if (end <= now) {
      await lock.ended(record.family);
      return;
    }
    if (end - leadMs <= now && !warned.has(record.family)) {
      warned.add(record.family);
      emit({ type: 'sessionExpiring', expiresAt: end, reason: 'absolute' });
    }
    const next = warned.has(record.family) ? end : end - leadMs;
    timer = setTimeout(() => void run(), Math.min(next - now, MAX_DELAY));
  };
  const run = () => check().catch(() => undefined);

  return {
    /** A session event (this tab's or another's): the horizon may have moved. */
    onEvent(e: SessionEvent): void {
      if (e.type !== 'sessionExpiring') void run();
    },
    run,
    async expiry(): Promise<SessionExpiry> {
      const record = await current();
      return record?.expires_at === undefined ? {} : { absoluteExpiresAt: record.expires_at };
    },
    close(): void {
      closed = true;
      clearTimeout(timer);
    },
  };
}
