import { num, str } from '../shape.js';
/**
 * Cross-tab announcements over BroadcastChannel: rotated tokens, logout, session
 * events (signedIn, tokenRefreshed) and
 * cache clears, so other tabs' in-memory state follows at once. A message
 * reaches every OTHER TabSync opened with the same name (other tabs, and other
 * clients in this tab), never the sender itself. Without BroadcastChannel
 * every call is a no-op.
 *
 * Robustness: messages of another shape (other libraries, other versions) are
 * ignored; a listener that throws does not stop the others; post() after
 * close() or a failing postMessage is a no-op, never an error for the app.
 */
export type TabMessage =
  | { type: 'rotated'; family: string }
  | { type: 'signedIn' }
  | { type: 'tokenRefreshed'; audience: string; expiresAt: number }
  | { type: 'family_removed'; family: string }
  | { type: 'logout' }
  | { type: 'cleared' };

export interface TabSync {
  post(message: TabMessage): void;
  subscribe(listener: (message: TabMessage) => void): () => void;
  close(): void;
}

/** A valid message with only its known fields (nothing else ever crosses the channel), else undefined. */
export function tabMessage(data: unknown): TabMessage | undefined {
  const { type, family, audience, expiresAt } = (data ?? {}) as Record<string, unknown>;
  if (type === 'logout' || type === 'cleared' || type === 'signedIn') return { type };
  if (type === 'tokenRefreshed' && str(audience) && num(expiresAt)) return { type, audience, expiresAt };
  if ((type === 'rotated' || type === 'family_removed') && str(family)) return { type, family };
}

/** Calls every listener (a snapshot of the set); a listener's error goes to the page (`reportError`), never to the caller. */
export function dispatch<T>(listeners: Set<(value: T) => void>, value: T): void {
  for (const listener of [...listeners]) {
    try {
      listener(value);
    } catch (error) {
      const g = globalThis as { reportError?: (e: unknown) => void };
      if (typeof g.reportError === 'function') g.reportError(error);
      else console.error('[rotor-auth] listener failed', error);
    }
  }
}

export function openTabSync(name: string): TabSync {
  const channel = typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(name);
  // Node: don't keep the process alive just for this channel.
  (channel as { unref?: () => void } | undefined)?.unref?.();
  const listeners = new Set<(message: TabMessage) => void>();
  if (channel) {
    channel.onmessage = (event: MessageEvent) => {
      const message = tabMessage(event.data);
      if (message) dispatch(listeners, message);
    };
  }
  return {
    post(message) {
      const m = tabMessage(message);
      try {
        if (m) channel?.postMessage(m);
      } catch {
        // Channel closed underneath us (page unloading): other tabs re-read storage anyway.
      }
    },
    subscribe(listener) {
      listeners.add(listener); // never called once closed (or without BroadcastChannel)
      return () => void listeners.delete(listener);
    },
    close() {
      listeners.clear();
      channel?.close(); // post() then throws in postMessage: caught
    },
  };
}
