/**
 * Popup login (`loginWithPopup` / `getTokenWithPopup`) over
 * `response_mode=web_message`. `openPopup()` must run synchronously inside
 * the user's click handler (popup blockers allow only that); the caller then
 * builds the authorize URL (async: PKCE) and hands both to `runPopup()`.
 */
import type { AuthorizationResponse } from './callback.js';
import { PopupCancelledError, PopupOpenError, PopupTimeoutError } from '../errors.js';
import { waitForResponse, type WebMessageOptions } from './silent-iframe.js';

const POPUP_WIDTH = 400;
const POPUP_HEIGHT = 600;
const POPUP_NAME = 'rotor-auth';
/** How often `popup.closed` is polled. */
export const POPUP_CLOSED_POLL_MS = 1000;

/**
 * Open a blank popup centred over the current window. Returns null when the
 * browser blocked it (the caller maps that to PopupOpenError).
 */
export function openPopup(): Window | null {
  // Browsers read the integer part and keep the window on a screen (negative is fine: a monitor left of the primary).
  const centre = (at: number, outer: number, size: number) => at + (outer - size) / 2;
  const left = centre(window.screenX, window.outerWidth, POPUP_WIDTH);
  const top = centre(window.screenY, window.outerHeight, POPUP_HEIGHT);
  const features = `left=${left},top=${top},width=${POPUP_WIDTH},height=${POPUP_HEIGHT}`; // width/height make it a popup window (HTML window.open features)
  try {
    return window.open('', POPUP_NAME, features);
  } catch {
    return null;
  }
}

/**
 * Navigate `popup` to `url` and resolve with the authorization response the
 * authorization server posts back (also when it carries `error`). Rejects
 * with PopupTimeoutError after `timeoutInSeconds` and PopupCancelledError
 * when the user closes the popup first. The popup is closed and the listener
 * removed in every case.
 */
export function runPopup(popup: Window, url: string, opts: WebMessageOptions): Promise<AuthorizationResponse> {
  let poll: ReturnType<typeof setInterval> | undefined;
  return waitForResponse(
    () => popup,
    url,
    opts,
    () => new PopupTimeoutError(popup),
    () => {
      clearInterval(poll);
      if (!popup.closed) popup.close(); // both allowed cross-origin (HTML: WindowProxy), neither throws
    },
    (fail) => {
      poll = setInterval(() => {
        if (popup.closed) fail(new PopupCancelledError(popup));
      }, POPUP_CLOSED_POLL_MS);
      try {
        popup.location.href = url;
      } catch {
        fail(new PopupOpenError()); // the window can't be navigated: as good as blocked
      }
    },
  );
}
