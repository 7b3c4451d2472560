/** Small helpers of AuthClient (client.ts): navigation, timeout, "sign in again" codes. */
import { ConfigurationError, TimeoutError } from '../errors.js';

/** Errors after which the app should simply sign in again. */
export const SIGN_IN_AGAIN = ['login_required', 'consent_required', 'interaction_required', 'account_selection_required', 'invalid_grant', 'missing_refresh_token', 'dpop_key_missing'];


/** `window.location.assign`, or a clear error where there is no page to navigate. */
export function assignLocation(url: string): void {
  const location = (globalThis as { location?: Location }).location;
  if (!location || typeof location.assign !== 'function') {
    throw new ConfigurationError('No window.location: pass openUrl');
  }
  location.assign(url);
}

export const withTimeout = <T>(p: Promise<T>, seconds: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`getTokenSilently timed out after ${seconds} s`)), seconds * 1000);
    void p.then(resolve, reject).finally(() => clearTimeout(timer));
  });

/** Listens to `types` on `target` (nothing without one); returns the function that stops listening. */
export function listen(target: EventTarget | undefined, types: string[], listener: (e: Event) => void): () => void {
  for (const type of types) target?.addEventListener(type, listener);
  return () => {
    for (const type of types) target?.removeEventListener(type, listener);
  };
}
