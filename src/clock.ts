/**
 * The SDK's idea of the authorization server's time, for ID-token time checks.
 * Base time: the app's `nowProvider` (auth0-spa-js option; sync or async) or
 * `Date.now()`. Offset: learned from signed data, the `iat` of an ID token
 * whose signature verified and that the token endpoint issued just now (a
 * refresh response), so a browser whose clock is minutes off keeps working
 * while the skew lasts. Small offsets (within `leeway`) are ignored.
 */
export class Clock {
  /** Server time minus base time, in ms. */
  offsetMs = 0;

  constructor(private readonly provider?: () => number | Promise<number>) {}

  /** Base time in ms (nowProvider, else Date.now()). */
  async base(): Promise<number> {
    if (!this.provider) return Date.now();
    const t = await this.provider();
    return typeof t === 'number' && Number.isFinite(t) ? t : Date.now();
  }

  /** The server's time as far as we know, in seconds. */
  async nowSeconds(): Promise<number> {
    return Math.floor(((await this.base()) + this.offsetMs) / 1000);
  }

  /**
   * A verified token issued at `iat` (s) was received at base time `receivedAt`
   * (ms): if the two differ by more than `leewaySeconds`, adopt the difference.
   * Returns whether the offset changed.
   */
  learn(iat: number, receivedAt: number, leewaySeconds: number): boolean {
    const offset = iat * 1000 - receivedAt;
    if (Math.abs(offset - this.offsetMs) <= leewaySeconds * 1000) return false;
    this.offsetMs = offset;
    return true;
  }
}
