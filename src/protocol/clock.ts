/**
 * The SDK's idea of the authorization server's time, for ID-token time checks.
 * Base time: the app's `nowProvider` (auth0-spa-js option; sync or async) or
 * `Date.now()`. Offset: learned from signed data, the `iat` of an ID token
 * whose signature and identity checked out and that the token endpoint issued
 * just now (a refresh response; see verifyIdToken's `receivedAt`), so a
 * browser whose clock is minutes off keeps working while the skew lasts.
 */
export interface Clock {
  /** Server time minus base time, in ms. */
  offsetMs: number;
  /** Base time in ms (nowProvider, else Date.now()). */
  base(): Promise<number>;
}

export function createClock(provider?: () => number | Promise<number>): Clock {
  return {
    offsetMs: 0,
    async base() {
      const t = provider && (await provider());
      return Number.isFinite(t) ? (t as number) : Date.now();
    },
  };
}
