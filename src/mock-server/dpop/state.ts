/**
 * Server-side DPoP state: the rotating server nonce and the `jti` replay
 * cache. Both read the time from the caller (the server's controllable
 * clock, milliseconds), never from Date.now.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Server-issued nonces (RFC 9449 §8): a new one every `rotationMs`; the previous one stays valid for one more period. */
export class DpopNonces {
  #current = '';
  #previous: string | undefined;
  #issuedAt = Number.NEGATIVE_INFINITY;

  constructor(readonly rotationMs: number) {}

  /** The nonce to hand out now (rotating first when due; a clock moved backwards also rotates). */
  current(now: number): string {
    const age = now - this.#issuedAt;
    if (age >= this.rotationMs || age < 0) {
      this.#previous = age < 2 * this.rotationMs && age >= 0 ? this.#current : undefined;
      this.#current = randomBytes(24).toString('base64url');
      this.#issuedAt = now;
    }
    return this.#current;
  }

  accepts(nonce: string, now: number): boolean {
    const current = this.current(now);
    return same(nonce, current) || (this.#previous !== undefined && same(nonce, this.#previous));
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Seen proof `jti`s until they could no longer be accepted; at most `max` entries (expired first, then the oldest, are dropped). */
export class DpopReplayCache {
  #seen = new Map<string, number>();

  constructor(readonly max: number) {}

  get size(): number {
    return this.#seen.size;
  }

  /** Records `id` until `expiresAt`; false when it was already recorded and has not expired. */
  add(id: string, expiresAt: number, now: number): boolean {
    const seenUntil = this.#seen.get(id);
    if (seenUntil !== undefined && seenUntil > now) return false;
    this.#seen.delete(id);
    if (this.#seen.size >= this.max) {
      for (const [k, exp] of this.#seen) if (exp <= now) this.#seen.delete(k);
      for (const k of this.#seen.keys()) {
        if (this.#seen.size < this.max) break;
        this.#seen.delete(k);
      }
    }
    this.#seen.set(id, expiresAt);
    return true;
  }
}
