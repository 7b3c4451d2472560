import { TimeoutError } from './errors.js';

/**
 * runExclusive(name, fn): run fn while holding the lock `name`, across tabs
 * when the Web Locks API exists, else within this tab only. A waiter gives up
 * with TimeoutError after `timeoutMs` (pass the holder's own maximum time).
 * A tab that dies while holding a Web Lock releases it (browser guarantee).
 */
export interface LockOptions {
  timeoutMs: number;
  /** Force the in-tab fallback (tests, or environments with a broken navigator.locks). */
  inTabOnly?: boolean;
}

const tails = new Map<string, Promise<unknown>>();

function webLocks(): LockManager | undefined {
  const nav = (globalThis as { navigator?: Navigator }).navigator;
  return nav && 'locks' in nav && nav.locks && typeof nav.locks.request === 'function' ? nav.locks : undefined;
}

export async function runExclusive<T>(name: string, fn: () => Promise<T>, opts: LockOptions): Promise<T> {
  const locks = opts.inTabOnly ? undefined : webLocks();
  if (locks) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
    let acquired = false;
    try {
      return await locks.request(name, { signal: controller.signal }, () => {
        acquired = true;
        clearTimeout(timer);
        return fn();
      });
    } catch (e) {
      if (!acquired && controller.signal.aborted) throw new TimeoutError(`Timed out after ${opts.timeoutMs} ms waiting for lock "${name}"`);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }
  return inTab(name, fn, opts.timeoutMs);
}

function inTab<T>(name: string, fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const previous = tails.get(name) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = previous.then(() => mine);
  tails.set(name, tail);
  const cleanup = () => {
    release();
    if (tails.get(name) === tail) tails.delete(name);
  };
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new TimeoutError(`Timed out after ${timeoutMs} ms waiting for lock "${name}"`));
    }, timeoutMs);
    let timedOut = false;
    previous.then(
      async () => {
        clearTimeout(timer);
        if (timedOut) return cleanup();
        try {
          resolve(await fn());
        } catch (e) {
          reject(e);
        } finally {
          cleanup();
        }
      },
    );
  });
}
