// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openPopup, POPUP_CLOSED_POLL_MS, runPopup } from '../../src/flows/popup.js';
import { ConfigurationError, PopupCancelledError, PopupOpenError, PopupTimeoutError, TimeoutError } from '../../src/errors.js';
import { AUTH_ORIGIN, flush, postFrom, spyMessageListeners, track, webMessage } from './helpers.js';

/** The part of a Window that runPopup uses, observable. */
class FakePopup {
  closed = false;
  closeCalls = 0;
  readonly location = { href: 'about:blank' };
  close(): void {
    this.closeCalls++;
    this.closed = true;
  }
  asWindow(): Window {
    return this as unknown as Window;
  }
}

const URL_ = `${AUTH_ORIGIN}/authorize?response_mode=web_message&state=p-1`;
const opts = { timeoutInSeconds: 60, state: 'p-1' };

let listeners: ReturnType<typeof spyMessageListeners>;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  listeners = spyMessageListeners();
});
afterEach(() => {
  listeners.restore();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('openPopup', () => {
  it('opens a blank, named, centred 400x600 popup synchronously', () => {
    const fake = new FakePopup().asWindow();
    const open = vi.spyOn(window, 'open').mockReturnValue(fake);
    vi.spyOn(window, 'screenX', 'get').mockReturnValue(100);
    vi.spyOn(window, 'screenY', 'get').mockReturnValue(50);
    vi.spyOn(window, 'outerWidth', 'get').mockReturnValue(1200);
    vi.spyOn(window, 'outerHeight', 'get').mockReturnValue(900);

    expect(openPopup()).toBe(fake);
    expect(open).toHaveBeenCalledTimes(1);
    const [url, name, features] = open.mock.calls[0] ?? [];
    expect(url).toBe('');
    expect(name).toBe('rotor-auth');
    expect(String(features).split(',')).toEqual(
      expect.arrayContaining(['left=500', 'top=200', 'width=400', 'height=600']),
    );
  });

  it('returns null when the browser blocks the popup (null or a throwing window.open)', () => {
    vi.spyOn(window, 'open').mockReturnValueOnce(null);
    expect(openPopup()).toBeNull();
    vi.spyOn(window, 'open').mockImplementationOnce(() => {
      throw new Error('blocked');
    });
    expect(openPopup()).toBeNull();
  });
});

describe('runPopup', () => {
  it('navigates the popup, resolves with the matching response and closes the popup', async () => {
    const popup = new FakePopup();
    const pending = runPopup(popup.asWindow(), URL_, opts);
    expect(popup.location.href).toBe(URL_);
    expect(listeners.active()).toBe(1);
    postFrom(popup, AUTH_ORIGIN, webMessage({ code: 'c-1', state: 'p-1', iss: `${AUTH_ORIGIN}/` }));
    await expect(pending).resolves.toEqual({ code: 'c-1', state: 'p-1', iss: `${AUTH_ORIGIN}/` });
    expect(popup.closeCalls).toBe(1);
    expect(listeners.active()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ignores wrong origin, wrong source and wrong state, and keeps waiting', async () => {
    const popup = new FakePopup();
    const pending = track(runPopup(popup.asWindow(), URL_, opts));
    postFrom(popup, 'https://evil.rotor.test', webMessage({ code: 'x', state: 'p-1' }));
    postFrom(new FakePopup(), AUTH_ORIGIN, webMessage({ code: 'x', state: 'p-1' }));
    postFrom(window, AUTH_ORIGIN, webMessage({ code: 'x', state: 'p-1' }));
    postFrom(popup, AUTH_ORIGIN, webMessage({ code: 'x', state: 'p-2' }));
    postFrom(popup, AUTH_ORIGIN, { type: 'other', response: { code: 'x', state: 'p-1' } });
    await flush();
    expect(pending.settled()).toBe(false);
    expect(popup.closeCalls).toBe(0);

    postFrom(popup, AUTH_ORIGIN, webMessage({ code: 'good', state: 'p-1' }));
    await expect(pending.result).resolves.toEqual({ code: 'good', state: 'p-1' });
  });

  it('resolves with the error fields of an error response', async () => {
    const popup = new FakePopup();
    const pending = runPopup(popup.asWindow(), URL_, opts);
    postFrom(popup, AUTH_ORIGIN, webMessage({ error: 'access_denied', error_description: 'User cancelled', state: 'p-1' }));
    await expect(pending).resolves.toEqual({ error: 'access_denied', error_description: 'User cancelled', state: 'p-1' });
    expect(popup.closed).toBe(true);
  });

  it('rejects with PopupTimeoutError after timeoutInSeconds and closes the popup', async () => {
    const popup = new FakePopup();
    const pending = track(runPopup(popup.asWindow(), URL_, { ...opts, timeoutInSeconds: 30 }));
    await vi.advanceTimersByTimeAsync(29_999);
    expect(pending.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const err = await pending.result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PopupTimeoutError);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ error: 'timeout', message: 'Popup timed out', popup });
    expect(popup.closeCalls).toBe(1);
    expect(listeners.active()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with PopupCancelledError when the user closes the popup', async () => {
    const popup = new FakePopup();
    const pending = track(runPopup(popup.asWindow(), URL_, opts));
    await vi.advanceTimersByTimeAsync(POPUP_CLOSED_POLL_MS * 3);
    expect(pending.settled()).toBe(false);
    popup.closed = true; // the user closed it
    await vi.advanceTimersByTimeAsync(POPUP_CLOSED_POLL_MS);
    const err = await pending.result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PopupCancelledError);
    expect(err).toMatchObject({ error: 'cancelled', message: 'Popup closed', popup });
    expect(popup.closeCalls).toBe(0);
    expect(listeners.active()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with PopupOpenError when the popup cannot be navigated, and cleans up', async () => {
    const popup = new FakePopup();
    Object.defineProperty(popup, 'location', {
      get: () => ({
        set href(_: string) {
          throw new DOMException('Blocked a frame from navigating', 'SecurityError');
        },
      }),
    });
    const err = await runPopup(popup.asWindow(), URL_, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PopupOpenError);
    expect(err).toMatchObject({ error: 'popup_open' });
    expect(popup.closed).toBe(true);
    expect(listeners.active()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects bad options with ConfigurationError and closes the popup it was given', async () => {
    const popup = new FakePopup();
    const err = await runPopup(popup.asWindow(), URL_, { ...opts, timeoutInSeconds: -1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err).toMatchObject({ error: 'invalid_configuration', message: 'Option "timeoutInSeconds" must be seconds > 0, got -1' });
    expect(popup.closed).toBe(true);
    expect(popup.location.href).toBe('about:blank');
    expect(listeners.active()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('works with a real window object from window.open', async () => {
    const popup = window.open('', 'rotor-test', 'width=400,height=600');
    expect(popup).not.toBeNull();
    const win = popup as Window;
    // about:blank (nothing loads): the answer is expected from that URL's origin, "null"
    const pending = runPopup(win, 'about:blank#authorize', opts);
    postFrom(win, 'null', webMessage({ code: 'real', state: 'p-1' }));
    await expect(pending).resolves.toEqual({ code: 'real', state: 'p-1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(win.closed).toBe(true);
  });
});
