import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/errors.js';
import { runExclusive, webLocks } from '../../src/lock.js';

let n = 0;
const lockName = () => `rotor-auth:browser-client:family-${Date.now()}-${++n}`;

async function heldNames(): Promise<string[]> {
  const snapshot = await navigator.locks.query();
  return (snapshot.held ?? []).map((l) => l.name!);
}

/**
 * A same-origin iframe plays "another tab": it takes the Web Lock `name` and
 * never releases it. Removing the iframe destroys its document, as closing a
 * tab would.
 */
async function otherTabHolding(name: string): Promise<HTMLIFrameElement> {
  const frame = document.createElement('iframe');
  const ready = new Promise<void>((resolve) => {
    const onMessage = (e: MessageEvent) => {
      if (e.source === frame.contentWindow && e.data === `holding ${name}`) {
        window.removeEventListener('message', onMessage);
        resolve();
      }
    };
    window.addEventListener('message', onMessage);
  });
  frame.srcdoc = `<script>
    navigator.locks.request(${JSON.stringify(name)}, () => {
      parent.postMessage(${JSON.stringify(`holding ${name}`)}, '*');
      return new Promise(() => {});
    });
  </script>`;
  document.body.appendChild(frame);
  await ready;
  return frame;
}

describe('runExclusive over the real Web Locks API (Chromium)', () => {
  it('uses navigator.locks and holds the named lock while fn runs', async () => {
    expect(webLocks()).toBeDefined();
    const name = lockName();
    const seen = await runExclusive(name, () => heldNames(), 5_000);
    expect(seen).toContain(name);
    await expect.poll(heldNames).not.toContain(name); // released right after (the caller does not wait for the release)
  });

  // A fresh name per round: Firefox processes a release after the holder's promise settles (the caller is not
  // kept waiting for it), so the same name asked again at once is still held, i.e. contended (no snapshot).
  it('with snapshot, an uncontended grant comes with the names held right after it (the query sent behind the request sees it)', async () => {
    const name = lockName();
    const marker = `${name}:seq:7`;
    const other = await otherTabHolding(marker); // another tab's rotation marker, held before this request
    try {
      for (let i = 0; i < 5; i++) {
        const round = `${name}:${i}`;
        const names = await runExclusive(round, (_pin, held) => held, 5_000, { snapshot: true });
        expect(names).toContain(round); // this very grant: the query ran after it
        expect(names).toContain(marker);
      }
      // Contended (held elsewhere when asked): no snapshot; the holder queries itself.
      const blocker = await otherTabHolding(name);
      const waiter = runExclusive(name, (_pin, held) => held, 5_000, { snapshot: true });
      blocker.remove();
      await expect(waiter).resolves.toBeUndefined();
    } finally {
      other.remove();
    }
  });

  it('serialises holders of one name', async () => {
    const name = lockName();
    const log: string[] = [];
    const run = (id: string) =>
      runExclusive(
        name,
        async () => {
          log.push(`start ${id}`);
          await new Promise((r) => setTimeout(r, 5));
          log.push(`end ${id}`);
        },
        5_000,
      );
    await Promise.all([run('a'), run('b'), run('c')]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('a waiter behind another tab that never lets go fails with TimeoutError; once that tab is gone the lock is free', async () => {
    const name = lockName();
    const frame = await otherTabHolding(name);
    expect(await heldNames()).toContain(name);

    const error = await runExclusive(name, async () => 'should not run', 150).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).error).toBe('timeout');
    expect((error as TimeoutError).message).toBe(`Timed out after 150 ms waiting for lock "${name}"`);

    // The holder dies (tab closed): the browser releases its lock.
    const waiter = runExclusive(name, async () => 'ran after the holder died', 10_000);
    frame.remove();
    await expect(waiter).resolves.toBe('ran after the holder died');
    await expect.poll(heldNames).not.toContain(name); // released right after (the caller does not wait for the release)
  });

  it('releases the Web Lock when its own holder hangs past its maximum time', async () => {
    const name = lockName();
    let pin: (() => void) | undefined;
    const hung = await runExclusive(name, (p) => ((pin = p), new Promise<never>(() => {})), 100).catch(
      (e: unknown) => e,
    );
    expect(hung).toBeInstanceOf(TimeoutError);
    expect(pin).toThrow(hung as TimeoutError); // past its time: it may not send
    await expect.poll(heldNames).not.toContain(name); // released right after (the caller does not wait for the release)
    await expect(runExclusive(name, async () => 'next', 1_000)).resolves.toBe('next');
  });
});
