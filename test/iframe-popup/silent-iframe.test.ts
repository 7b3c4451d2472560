// @vitest-environment happy-dom
// @vitest-environment-options { "settings": { "enableIframePageLoading": true } }
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import { runIframe } from '../../src/flows/silent-iframe.js';
import { ConfigurationError, GenericError, TimeoutError } from '../../src/errors.js';
import { AUTH_ORIGIN, flush, postFrom, spyMessageListeners, track, webMessage } from './helpers.js';

// The iframe really loads its URL in happy-dom; msw answers with an empty
// page (the message itself is simulated: happy-dom runs no page scripts).
const loaded: string[] = [];
const network = setupServer(
  http.get(`${AUTH_ORIGIN}/authorize`, ({ request }) => {
    loaded.push(request.url);
    return new HttpResponse('<!doctype html><title>authorize</title>', { headers: { 'content-type': 'text/html' } });
  }),
);
beforeAll(() => network.listen({ onUnhandledRequest: 'error' }));
afterAll(() => network.close());

const URL_ = `${AUTH_ORIGIN}/authorize?prompt=none&response_mode=web_message&state=s-1`;
const opts = { timeoutInSeconds: 60, state: 's-1' };

function currentIframe(): HTMLIFrameElement {
  const frames = document.querySelectorAll('iframe');
  expect(frames.length).toBe(1);
  return frames[0] as HTMLIFrameElement;
}

/** Resolve once the iframe's page has loaded (so removing it aborts nothing). */
function loaded$(iframe: Element | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    iframe?.addEventListener('load', () => resolve());
    iframe?.addEventListener('error', () => reject(new Error('iframe failed to load')));
  });
}

let listeners: ReturnType<typeof spyMessageListeners>;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  listeners = spyMessageListeners();
  loaded.length = 0;
});
afterEach(() => {
  listeners.restore();
  vi.useRealTimers();
  document.body.innerHTML = '';
});

describe('runIframe', () => {
  it('loads the URL in a hidden iframe and resolves with the matching response, then cleans up', async () => {
    const pending = track(runIframe(URL_, opts));
    const iframe = currentIframe();
    await loaded$(iframe);
    // our timeout plus whatever happy-dom's page load keeps scheduled
    const timersWhilePending = vi.getTimerCount();
    expect(loaded).toEqual([URL_]);
    expect(iframe.getAttribute('src')).toBe(URL_);
    expect(iframe.style.display).toBe('none'); // hidden: not rendered, not focusable, not in the accessibility tree
    expect(listeners.active()).toBe(1);

    postFrom(iframe.contentWindow, AUTH_ORIGIN, webMessage({ code: 'c-1', state: 's-1', iss: `${AUTH_ORIGIN}/` }));
    await expect(pending.result).resolves.toEqual({ code: 'c-1', state: 's-1', iss: `${AUTH_ORIGIN}/` });
    expect(document.querySelectorAll('iframe')).toHaveLength(0);
    expect(listeners.active()).toBe(0);
    expect(vi.getTimerCount()).toBe(timersWhilePending - 1);
  });

  it('ignores a message from another origin and keeps waiting', async () => {
    const pending = track(runIframe(URL_, opts));
    const iframe = currentIframe();
    await loaded$(iframe);
    postFrom(iframe.contentWindow, 'https://evil.rotor.test', webMessage({ code: 'stolen', state: 's-1' }));
    postFrom(iframe.contentWindow, 'http://auth.rotor.test', webMessage({ code: 'downgraded', state: 's-1' }));
    await flush();
    expect(pending.settled()).toBe(false);
    expect(currentIframe()).toBe(iframe);

    postFrom(iframe.contentWindow, AUTH_ORIGIN, webMessage({ code: 'good', state: 's-1' }));
    await expect(pending.result).resolves.toMatchObject({ code: 'good' });
  });

  it('ignores a message from another window (right origin, wrong source)', async () => {
    const pending = track(runIframe(URL_, opts));
    const iframe = currentIframe();
    const other = document.createElement('iframe');
    document.body.appendChild(other);
    other.setAttribute('src', `${AUTH_ORIGIN}/authorize?other=1`);
    await Promise.all([loaded$(iframe), loaded$(other)]);
    postFrom(other.contentWindow, AUTH_ORIGIN, webMessage({ code: 'other', state: 's-1' }));
    postFrom(window, AUTH_ORIGIN, webMessage({ code: 'self', state: 's-1' }));
    postFrom(null, AUTH_ORIGIN, webMessage({ code: 'nobody', state: 's-1' }));
    await flush();
    expect(pending.settled()).toBe(false);

    postFrom(iframe.contentWindow, AUTH_ORIGIN, webMessage({ code: 'good', state: 's-1' }));
    await expect(pending.result).resolves.toMatchObject({ code: 'good' });
    other.remove();
  });

  it('ignores a response for another state and messages of another shape', async () => {
    const pending = track(runIframe(URL_, opts));
    await loaded$(currentIframe());
    const source = currentIframe().contentWindow;
    postFrom(source, AUTH_ORIGIN, webMessage({ code: 'c', state: 's-2' }));
    postFrom(source, AUTH_ORIGIN, webMessage({ code: 'c' }));
    postFrom(source, AUTH_ORIGIN, { type: 'something_else', response: { code: 'c', state: 's-1' } });
    postFrom(source, AUTH_ORIGIN, { type: 'authorization_response', response: 's-1' });
    postFrom(source, AUTH_ORIGIN, 'authorization_response');
    postFrom(source, AUTH_ORIGIN, null);
    await flush();
    expect(pending.settled()).toBe(false);

    postFrom(source, AUTH_ORIGIN, webMessage({ code: 'good', state: 's-1' }));
    await expect(pending.result).resolves.toEqual({ code: 'good', state: 's-1' });
  });

  it('keeps only string fields of the response', async () => {
    const pending = runIframe(URL_, opts);
    await loaded$(currentIframe());
    const source = currentIframe().contentWindow;
    postFrom(source, AUTH_ORIGIN, webMessage({ code: 42, state: 's-1', iss: { x: 1 }, extra: 'x' }));
    await expect(pending).resolves.toEqual({ state: 's-1' });
  });

  it('resolves with the error fields of an error response (the caller decides what to throw)', async () => {
    const pending = runIframe(URL_, opts);
    await loaded$(currentIframe());
    postFrom(
      currentIframe().contentWindow,
      AUTH_ORIGIN,
      webMessage({ error: 'login_required', error_description: 'Login required', state: 's-1', iss: `${AUTH_ORIGIN}/` }),
    );
    await expect(pending).resolves.toEqual({
      error: 'login_required',
      error_description: 'Login required',
      state: 's-1',
      iss: `${AUTH_ORIGIN}/`,
    });
    expect(document.querySelectorAll('iframe')).toHaveLength(0);
    expect(listeners.active()).toBe(0);
  });

  it('rejects with TimeoutError after timeoutInSeconds and removes the iframe and the listener', async () => {
    const pending = track(runIframe(URL_, { ...opts, timeoutInSeconds: 5 }));
    await loaded$(currentIframe());
    const source = currentIframe().contentWindow;
    await vi.advanceTimersByTimeAsync(4_999);
    expect(pending.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const err = await pending.result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ error: 'timeout', message: 'Silent auth timed out after 5 s' });
    expect(document.querySelectorAll('iframe')).toHaveLength(0);
    expect(listeners.active()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    // a late answer changes nothing
    postFrom(source, AUTH_ORIGIN, webMessage({ code: 'late', state: 's-1' }));
  });

  it('serves concurrent calls independently, each from its own iframe', async () => {
    const a = runIframe(`${URL_}&n=a`, { ...opts, state: 'A' });
    const b = runIframe(`${URL_}&n=b`, { ...opts, state: 'B' });
    const [fa, fb] = Array.from(document.querySelectorAll('iframe'));
    await Promise.all([loaded$(fa), loaded$(fb)]);
    expect(fa?.getAttribute('src')).toContain('n=a');
    // B's window answering with A's state is not A's answer
    postFrom(fb?.contentWindow, AUTH_ORIGIN, webMessage({ code: 'from-b', state: 'A' }));
    postFrom(fb?.contentWindow, AUTH_ORIGIN, webMessage({ code: 'b', state: 'B' }));
    await expect(b).resolves.toEqual({ code: 'b', state: 'B' });
    expect(Array.from(document.querySelectorAll('iframe'))).toEqual([fa]);
    postFrom(fa?.contentWindow, AUTH_ORIGIN, webMessage({ code: 'a', state: 'A' }));
    await expect(a).resolves.toEqual({ code: 'a', state: 'A' });
    expect(document.querySelectorAll('iframe')).toHaveLength(0);
    expect(listeners.active()).toBe(0);
  });

  it('expects the answer from the origin of the URL it loads (its path and query left out)', async () => {
    const pending = runIframe(URL_, opts);
    await loaded$(currentIframe());
    postFrom(currentIframe().contentWindow, AUTH_ORIGIN, webMessage({ code: 'c', state: 's-1' }));
    await expect(pending).resolves.toMatchObject({ code: 'c' });
  });

  it('rejects with a typed iframe_failed error when the iframe cannot be added, and leaves nothing behind', async () => {
    const append = vi.spyOn(document.body, 'appendChild').mockImplementation(() => {
      throw new DOMException('The operation is insecure', 'SecurityError');
    });
    try {
      const err = await runIframe(URL_, opts).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GenericError);
      expect(err).toMatchObject({
        error: 'iframe_failed',
        message: 'Silent auth iframe failed: The operation is insecure',
      });
    } finally {
      append.mockRestore();
    }
    expect(document.querySelectorAll('iframe')).toHaveLength(0);
    expect(listeners.active()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects bad options with ConfigurationError and leaves nothing behind', async () => {
    const badTimeout = await runIframe(URL_, { ...opts, timeoutInSeconds: 0 }).catch((e: unknown) => e);
    expect(badTimeout).toBeInstanceOf(ConfigurationError);
    expect(badTimeout).toMatchObject({
      error: 'invalid_configuration',
      message: 'Option "timeoutInSeconds" must be seconds > 0, got 0',
    });
    expect(document.querySelectorAll('iframe')).toHaveLength(0);
    expect(listeners.active()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
