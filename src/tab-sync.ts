/**
 * Cross-tab announcements over BroadcastChannel: rotated tokens, logout and
 * cache clears, so other tabs' in-memory state follows at once. Without
 * BroadcastChannel every call is a no-op.
 */
export type TabMessage =
  | { type: 'rotated'; family: string }
  | { type: 'family_removed'; family: string }
  | { type: 'logout' }
  | { type: 'cleared' };

export interface TabSync {
  post(message: TabMessage): void;
  subscribe(listener: (message: TabMessage) => void): () => void;
  close(): void;
}

function isTabMessage(data: unknown): data is TabMessage {
  if (!data || typeof data !== 'object') return false;
  const m = data as { type?: unknown; family?: unknown };
  if (m.type === 'logout' || m.type === 'cleared') return true;
  return (m.type === 'rotated' || m.type === 'family_removed') && typeof m.family === 'string';
}

export function openTabSync(name: string): TabSync {
  if (typeof BroadcastChannel === 'undefined') {
    return { post() {}, subscribe: () => () => {}, close() {} };
  }
  const channel = new BroadcastChannel(name);
  const listeners = new Set<(message: TabMessage) => void>();
  channel.onmessage = (event: MessageEvent) => {
    if (!isTabMessage(event.data)) return;
    for (const l of listeners) l(event.data);
  };
  return {
    post: (message) => channel.postMessage(message),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      listeners.clear();
      channel.close();
    },
  };
}
