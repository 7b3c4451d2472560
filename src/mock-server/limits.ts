/**
 * Hard caps that keep a long-running server's memory bounded; beyond them the
 * oldest entries go first. Expired entries are also swept on access (at most
 * once per SWEEP_EVERY_MS of server time, or every SWEEP_EVERY_OPS requests).
 */
export const LIMITS = {
  pending: 1000,
  /**
   * Pending logins per client whose form no browser has been shown yet (an anonymous /authorize flood):
   * beyond it that client's oldest such logins go, and started ones (form shown to the browser holding
   * their binding cookie) are kept, so a flood cannot evict a real user's login.
   */
  pendingUnstartedPerClient: 200,
  codes: 5000,
  sessions: 5000,
  accessTokens: 50_000,
  /** Families kept in total; inactive ones are dropped first. */
  families: 5000,
  /** Refresh tokens remembered per family (older retired ones are forgotten: presenting one is then just unknown). */
  tokensPerFamily: 100,
};
export const SWEEP_EVERY_MS = 10_000;
export const SWEEP_EVERY_OPS = 500;
/** How long an unused expired code, or a used one, is remembered (so a late exchange hears "expired" / "replayed"). */
export const CODE_MEMORY_MS = 600_000;

/** Inserts into a Map, dropping the oldest entries over `cap` (Maps iterate in insertion order). */
export function capSet<K, V>(m: Map<K, V>, k: K, v: V, cap: number, onDrop?: (v: V) => void): void {
  m.set(k, v);
  while (m.size > cap) {
    const first = m.entries().next().value as [K, V];
    m.delete(first[0]);
    onDrop?.(first[1]);
  }
}
