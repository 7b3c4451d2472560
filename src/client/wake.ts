import { NetworkError } from '../errors.js';
import { localStore } from '../cache/codec.js';
import { listen } from './util.js';

/** How far the wall clock may run ahead of the monotonic clock before it counts as a sleep (ms). */
const JUMP_MS = 60_000;

type Page = Window & typeof globalThis;
const page = (): Page | undefined => (typeof document === 'undefined' ? undefined : (globalThis as Page));

/**
 * Waking up (README, "Long-lived sessions"): `wake()` runs when the tab is shown again
 * (`visibilitychange` to visible), comes back `online`, is restored from the back/forward cache
 * (`pageshow` with `persisted`), or when the wall clock has jumped ahead of the monotonic clock
 * (`Date.now()` against `performance.now()`: a sleep; checked every 30 s, so a timer's lateness is
 * never taken for elapsed time). Nothing without a page. `active()` runs on user activity
 * (`pointerdown`, `keydown`, the tab shown). Returns the function that stops it.
 */
export function watchWake(wake: () => void, active: () => void = () => undefined): () => void {
  const w = page();
  if (!w) return () => undefined;
  const offset = () => Date.now() - performance.now();
  let base = offset();
  const check = () => {
    const slept = offset() - base > JUMP_MS;
    base = offset();
    return slept;
  };
  const onEvent = (e: Event) => {
    if (e.type === 'pointerdown' || e.type === 'keydown') return active();
    check();
    const shown = e.type === 'visibilitychange' && document.visibilityState === 'visible';
    if (shown) active();
    if (shown || e.type === 'online' || (e.type === 'pageshow' && (e as PageTransitionEvent).persisted)) wake();
  };
  const unlisten = listen(w, ['visibilitychange', 'online', 'pageshow', 'pointerdown', 'keydown'], onEvent);
  const timer = setInterval(() => check() && wake(), 30_000);
  return () => {
    clearInterval(timer);
    unlisten();
  };
}

/**
 * A call that failed with a network error while the browser is offline runs once more when `online`
 * fires (one pending retry at a time); nothing was thrown away meanwhile (network errors are transient).
 */
export function retryWhenOnline(): (error: unknown, retry: () => Promise<unknown>) => void {
  let pending = false;
  return (error, retry) => {
    const w = page();
    if (!w || pending || !(error instanceof NetworkError) || navigator.onLine) return;
    pending = true;
    w.addEventListener('online', () => void retry().catch(() => undefined).finally(() => (pending = false)), { once: true });
  };
}

/**
 * The idle policy's activity clock: the last user activity in any tab of the app (localStorage, shared
 * by the tabs of the origin; this tab's own where there is none). Refreshes never touch it.
 */
export function activityClock(clientId: string) {
  const key = `rotor-auth:${clientId}:active`;
  let mine = Date.now(); // a page load is activity
  return {
    lastActive: (): number => Math.max(mine, Number(localStore()?.getItem(key)) || 0),
    touch(): void {
      const now = Date.now();
      if (now - mine < 1000) return; // at most one write a second
      mine = now;
      try {
        localStore()?.setItem(key, String(now));
      } catch {
        // full or blocked: this tab's own clock still counts
      }
    },
  };
}
