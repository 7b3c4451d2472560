/**
 * `response_mode=web_message` receivers: the hidden `prompt=none` iframe
 * (opt-in fallback) and the message-matching shared with the popup.
 *
 * A message is accepted only when all of these hold:
 * - `event.origin` is the authorization server's origin,
 * - `event.source` is the window we opened (the iframe or the popup),
 * - `data.type === 'authorization_response'`,
 * - `data.response.state` is the state of this very request.
 * Anything else is ignored (not an error): another frame, another request or
 * another library may post messages to this window at any time.
 */
import { authorizationResponse, type AuthorizationResponse } from './callback.js';
import { GenericError, TimeoutError } from '../errors.js';
import { errorText } from '../shape.js';
import { seconds } from '../shape.js';

export interface WebMessageOptions {
  /** Give up after this many seconds. */
  timeoutInSeconds: number;
  /** The `state` sent with this authorization request. */
  state: string;
}


/**
 * The authorization response carried by `data` if it is a web_message for
 * `state`; undefined otherwise. Only string fields are copied.
 */
export function readAuthorizationResponse(data: unknown, state: string): AuthorizationResponse | undefined {
  // `?.` reads undefined from null and from primitives; `state` is a non-empty string, so a match means an object
  const response = (data as Message)?.type === 'authorization_response' ? (data as Message)!.response : undefined;
  if (response?.state !== state) return undefined;
  return authorizationResponse(state, (name) => response[name]);
}

type Message = { type?: unknown; response?: Record<string, unknown> } | null | undefined;

/**
 * Listen on `window` for the web_message answering `opts.state`, sent from the origin of
 * `url` (the /authorize URL) by the window `source()` returns at the time the message arrives, then call
 * `start(fail)` (open the iframe or navigate the popup; `fail` rejects and
 * cleans up). Rejects with `onTimeout()` after `opts.timeoutInSeconds`, and
 * with ConfigurationError on bad opts (before `start`). `cleanup` runs exactly
 * once, whichever way it ends.
 */
export function waitForResponse(
  source: () => MessageEventSource | null | undefined,
  url: string,
  opts: WebMessageOptions,
  onTimeout: () => Error,
  cleanup: () => void,
  start: (fail: (error: Error) => void) => void,
): Promise<AuthorizationResponse> {
  return new Promise<AuthorizationResponse>((resolve, reject) => {
    let origin: string;
    let timer: ReturnType<typeof setTimeout> | undefined;
    /**
     * Settles with `value`, else with `error`. Called at most once: its first call removes the listener, the
     * timer and (cleanup) the popup poll, which are what call it; `start` calls `fail` at most once.
     */
    const finish = (error?: Error, value?: AuthorizationResponse): void => {
      window.removeEventListener('message', onMessage);
      clearTimeout(timer);
      cleanup(); // never throws: clearInterval, closed/close() and remove() don't
      if (value) resolve(value);
      else reject(error as Error);
    };
    const onMessage = (event: MessageEvent): void => {
      // our window (read when the message arrives; never null = null) and the server's origin
      const value = event.source && event.source === source() && event.origin === origin && readAuthorizationResponse(event.data, opts.state);
      if (value) finish(undefined, value);
    };
    try {
      // the same check and message as the client's timeout options; NaN: a missing value is refused too
      const timeoutMs = seconds(opts as never, 'timeoutInSeconds', NaN) * 1000;
      // The /authorize URL (its endpoint was checked when it was configured or discovered): the answer comes from its origin.
      origin = new URL(url).origin;
      timer = setTimeout(() => finish(onTimeout()), timeoutMs);
    } catch (err) {
      return finish(err as Error); // bad opts: cleaned up, nothing started
    }
    window.addEventListener('message', onMessage);
    start(finish);
  });
}

/**
 * Load `url` (an `/authorize` URL with `prompt=none` and
 * `response_mode=web_message`) in a hidden iframe and resolve with the
 * authorization response, also when it carries `error` (e.g.
 * `login_required`): the caller maps that to an AuthenticationError.
 * Rejects with TimeoutError after `timeoutInSeconds`. The iframe and the
 * listener are always removed. Each call has its own iframe, so concurrent
 * calls don't see each other's messages.
 */
export function runIframe(url: string, opts: WebMessageOptions): Promise<AuthorizationResponse> {
  let iframe: HTMLIFrameElement | undefined;
  return waitForResponse(
    () => iframe?.contentWindow,
    url,
    opts,
    () => new TimeoutError(`Silent auth timed out after ${opts.timeoutInSeconds} s`),
    () => iframe?.remove(),
    (fail) => {
      // display:none: not rendered, not focusable, not in the accessibility tree (size, tabindex, title and
      // aria-hidden would change nothing); set through the CSSOM, not a style attribute: allowed under a strict CSP
      (iframe = document.createElement('iframe')).style.display = 'none';
      try {
        (document.body ?? document.documentElement).appendChild(iframe);
        iframe.src = url;
      } catch (err) {
        fail(new GenericError('iframe_failed', `Silent auth iframe failed: ${errorText(err)}`));
      }
    },
  );
}
