/**
 * A small in-process stand-in for the browser's LockManager (exclusive mode,
 * FIFO, AbortSignal, query()), for Node tests of the Web Locks path of
 * src/lock.ts. It fakes a platform API, not an SDK module; the real API is
 * exercised in test/browser/lock.test.ts.
 */
interface Request {
  name: string;
  grant: () => void;
}

export class FakeLockManager {
  readonly held = new Set<string>();
  readonly pending: Request[] = [];
  readonly requested: string[] = [];

  request<T>(name: string, options: { signal?: AbortSignal; ifAvailable?: boolean }, callback: (lock: { name: string } | null) => Promise<T> | T): Promise<T> {
    this.requested.push(name);
    return new Promise<T>((resolve, reject) => {
      const signal = options.signal;
      if (signal?.aborted) return reject(new DOMException('aborted', 'AbortError'));
      if (options.ifAvailable && this.held.has(name)) return void Promise.resolve(null).then(callback).then(resolve, reject);
      const request: Request = {
        name,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.held.add(name);
          Promise.resolve()
            .then(() => callback({ name }))
            .then(resolve, reject)
            .finally(() => {
              this.held.delete(name);
              this.#next(name);
            });
        },
      };
      const onAbort = () => {
        const i = this.pending.indexOf(request);
        if (i >= 0) {
          this.pending.splice(i, 1);
          reject(new DOMException('The request was aborted.', 'AbortError'));
        }
      };
      signal?.addEventListener('abort', onAbort);
      if (this.held.has(name)) this.pending.push(request);
      else request.grant();
    });
  }

  /** Grab `name` from "another tab" until the returned release() is called. */
  holdElsewhere(name: string): Promise<() => void> {
    return new Promise((acquired) => {
      void this.request(name, {}, () => new Promise<void>((release) => acquired(release)));
    });
  }

  async query(): Promise<{ held: Array<{ name: string }>; pending: Array<{ name: string }> }> {
    return {
      held: [...this.held].map((name) => ({ name })),
      pending: this.pending.map((r) => ({ name: r.name })),
    };
  }

  #next(name: string): void {
    const i = this.pending.findIndex((r) => r.name === name);
    if (i < 0) return;
    const [request] = this.pending.splice(i, 1);
    request!.grant();
  }
}
