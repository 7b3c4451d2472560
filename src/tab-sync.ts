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

export function isTabMessage(data: unknown): data is TabMessage {
  if (!data || typeof data !== 'object') return false;
  const m = data as { type?: unknown; family?: unknown; audience?: unknown; expiresAt?: unknown };
  if (m.type === 'logout' || m.type === 'cleared' || m.type === 'signedIn') return true;
  if (m.type === 'tokenRefreshed') return typeof m.audience === 'string' && typeof m.expiresAt === 'number';
  return (m.type === 'rotated' || m.type === 'family_removed') && typeof m.family === 'string' && m.family.length > 0;
}

/** Copy only the known fields, so nothing else ever crosses the channel. */
function normalise(message: TabMessage): TabMessage {
  if (message.type === 'tokenRefreshed') return { type: message.type, audience: message.audience, expiresAt: message.expiresAt };
  return message.type === 'rotated' || message.type === 'family_removed'
    ? { type: message.type, family: message.family }
    : { type: message.type };
}

/** Hand a listener's error to the page (`reportError`), never to the caller. */
export function report(error: unknown): void {
  const g = globalThis as { reportError?: (e: unknown) => void };
  if (typeof g.reportError === 'function') g.reportError(error);
  else console.error('[rotor-auth] tab-sync listener failed', error);
}

const noop: TabSync = { post() {}, subscribe: () => () => {}, close() {} };

export function openTabSync(name: string): TabSync {
  if (typeof BroadcastChannel === 'undefined') return noop;
  let channel: BroadcastChannel | undefined = new BroadcastChannel(name);
  // Node: don't keep the process alive just for this channel.
  (channel as { unref?: () => void }).unref?.();
  const listeners = new Set<(message: TabMessage) => void>();
  channel.onmessage = (event: MessageEvent) => {
    if (!isTabMessage(event.data)) return;
    const message = normalise(event.data);
    for (const listener of [...listeners]) {
      try {
        listener(message);
      } catch (e) {
        report(e);
      }
    }
  };
  return {
    post(message) {
      if (!channel || !isTabMessage(message)) return;
      try {
        channel.postMessage(normalise(message));
      } catch {
        // Channel closed underneath us (page unloading): other tabs re-read storage anyway.
      }
    },
    subscribe(listener) {
      if (!channel) return () => {};
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    close() {
      listeners.clear();
      if (!channel) return;
      channel.onmessage = null;
      channel.close();
      channel = undefined;
    },
  };
}
