import { webLocks } from '../lock.js';

/**
 * `autoRefresh` (README, "Long-lived sessions"): the leading tab keeps the access token fresh ahead
 * of its expiry. One tab leads: it holds the Web Lock `rotor-auth:{clientId}:leader` until it closes
 * (then the next tab waiting for it leads). The leader refreshes at `expiresAt - leeway - jitter`,
 * only while its page is visible (a hidden tab waits for the wake-up, see wake.ts); a failed
 * refresh is tried again no sooner than its Retry-After (and 30 s at the least).
 */
export function autoRefresh(clientId: string, leewayMs: number, expiresAt: () => Promise<number | undefined>, refresh: () => Promise<unknown>) {
  let leading = !webLocks(); // without Web Locks every tab keeps its own token fresh
  let timer: ReturnType<typeof setTimeout> | undefined;
  let release: (() => void) | undefined;
  let closed = false;

  const visible = () => typeof document === 'undefined' || document.visibilityState === 'visible';

  const arm = async (): Promise<void> => {
    const at = leading && !closed ? await expiresAt() : undefined;
    clearTimeout(timer); // after the read: of two calls at once, the later one's timer stays
    if (at === undefined) return;
    const jitter = Math.random() * 30_000; // tabs and devices of one user do not refresh in step
    timer = setTimeout(() => {
      if (!visible()) return; // the wake-up refreshes when a tab is shown again
      refresh().then(schedule, (e: { retryAfter?: number }) => {
        timer = setTimeout(schedule, Math.max(30, e.retryAfter ?? 0) * 1000);
      });
    }, Math.max(5_000, at - leewayMs - jitter - Date.now())); // 5 s at the least: a token shorter-lived than the leeway does not spin
  };
  const schedule = () => void arm().catch(() => undefined);

  webLocks()
    ?.request(`rotor-auth:${clientId}:leader`, () => {
      if (closed) return;
      leading = true;
      schedule();
      return new Promise<void>((r) => (release = r)); // held while this client lives
    })
    .catch(() => undefined);

  return {
    /** A session event: the token's expiry may have moved. */
    schedule,
    close(): void {
      closed = true;
      clearTimeout(timer);
      release?.();
    },
  };
}
