/** Shared helpers for the web_message tests (happy-dom). */
import { vi } from 'vitest';

export const AUTH_ORIGIN = 'https://auth.rotor.test';

/** Deliver a `message` event to this window the way postMessage would. */
export function postFrom(source: unknown, origin: string, data: unknown): void {
  window.dispatchEvent(new MessageEvent('message', { origin, source: source as MessageEventSource, data }));
}

export function webMessage(response: Record<string, unknown>): unknown {
  return { type: 'authorization_response', response };
}

/** Observe whether a promise settled, without awaiting it. */
export function track<T>(promise: Promise<T>): { settled: () => boolean; result: Promise<T> } {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { settled: () => settled, result: promise };
}

/** Let pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** Count live `message` listeners on window (added and not yet removed). */
export function spyMessageListeners(): { active: () => number; restore: () => void } {
  const live = new Set<unknown>();
  const origAdd = window.addEventListener.bind(window);
  const origRemove = window.removeEventListener.bind(window);
  const add = vi.spyOn(window, 'addEventListener').mockImplementation(((type: string, fn: EventListener, o?: AddEventListenerOptions) => {
    if (type === 'message') live.add(fn);
    origAdd(type, fn, o);
  }) as typeof window.addEventListener);
  const remove = vi.spyOn(window, 'removeEventListener').mockImplementation(((type: string, fn: EventListener, o?: EventListenerOptions) => {
    if (type === 'message') live.delete(fn);
    origRemove(type, fn, o);
  }) as typeof window.removeEventListener);
  return {
    active: () => live.size,
    restore: () => {
      add.mockRestore();
      remove.mockRestore();
    },
  };
}
