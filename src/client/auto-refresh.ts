import { webLocks } from '../lock.js';
import { listen } from './util.js';

/**
 * `autoRefresh` (README, "Long-lived sessions"): the leading tab keeps the access token fresh ahead
 * of its expiry. One tab leads: it holds the Web Lock `rotor-auth:{clientId}:leader` while its page
 * is shown, and lets it go when the page is hidden, frozen (`freeze`) or closed, so the next shown
 * tab waiting for it leads (a hidden tab does not refresh, and a tab that holds a lock is not frozen:
 * holding it while hidden would leave every tab without a leader). The leader refreshes at
 * `expiresAt - leeway - jitter`; a failed refresh is tried again no sooner than its Retry-After (and
 * 30 s at the least). A tab shown again asks for the lock again; the wake-up (wake.ts) refreshes a
 * token that expired while no tab was shown.
 */
export function autoRefresh(clientId: string, leewayMs: number, expiresAt: () => Promise<number | undefined>, refresh: () => Promise<unknown>) {
  const locks = webLocks();
  let asking = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Set while this tab leads (holds the lock). Without Web Locks every tab keeps its own token fresh. */
  let release: (() => void) | undefined;
  const leading = () => !locks || !!release;
  let closed = false;

  const doc = typeof document === 'undefined' ? undefined : document;
  const visible = () => !doc || doc.visibilityState === 'visible';

  const arm = async (): Promise<void> => {
    const at = leading() && !closed ? await expiresAt() : undefined;
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

  /** Shown: wait for the leader lock (once), then lead until `resign`. */
  const lead = (): void => {
    if (!locks || closed || asking || release || !visible()) return;
    asking = true;
    locks
      .request(`rotor-auth:${clientId}:leader`, () => {
        asking = false;
        if (closed || !visible()) return; // hidden while it waited: the next tab in line leads
        return new Promise<void>((r) => {
          release = r;
          schedule();
        });
      })
      .catch(() => (asking = false));
  };
  /** Hidden, frozen or closed: stop leading and let the lock go. */
  const resign = (): void => {
    if (!locks) return;
    clearTimeout(timer);
    release?.();
    release = undefined;
  };
  const unlisten = listen(doc, ['visibilitychange', 'freeze', 'resume'], (e) => (e.type !== 'freeze' && visible() ? lead() : resign()));
  lead();

  return {
    /** A session event: the token's expiry may have moved. */
    schedule,
    close(): void {
      closed = true;
      clearTimeout(timer);
      resign();
      unlisten();
    },
  };
}
