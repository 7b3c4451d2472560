import { describe, expect, it, vi } from 'vitest';
import { classify, isTransient } from '../../src/protocol/classify.js';
import { ConfigurationError, IdTokenValidationError, InvalidResponseError, NetworkError, OAuthError, StorageError, TimeoutError } from '../../src/errors.js';
import { request, retryAfter } from '../../src/protocol/http.js';

describe('classify (README: what survives what)', () => {
  it.each([
    ['invalid_grant', 400, 'terminal'],
    ['invalid_grant', 403, 'terminal'],
    ['invalid_client', 401, 'terminal'],
    ['unauthorized_client', 400, 'terminal'],
    ['unsupported_grant_type', 400, 'terminal'],
    ['invalid_scope', 400, 'other'], // the request was wrong, not the session: kept
    ['invalid_request', 400, 'other'], // the request was wrong, not the session: kept
    ['invalid_target', 400, 'other'], // the request was wrong, not the session: kept
    ['too_many_requests', 429, 'transient'],
    ['server_error', 500, 'transient'],
    ['temporarily_unavailable', 503, 'transient'],
    ['invalid_grant', 503, 'transient'], // a 5xx says nothing about the token
    ['temporarily_unavailable', 400, 'transient'], // "try later" in a 4xx body
    ['server_error', 400, 'transient'],
    ['mfa_required', 403, 'other'], // interaction needed: keep the tokens, the app signs in again
    ['access_denied', 400, 'other'],
  ] as const)('OAuthError %s (HTTP %i) is %s', (error, status, expected) => {
    expect(classify(new OAuthError(error, 'x', status))).toBe(expected);
  });

  it('network, timeout and storage failures are transient', () => {
    expect(classify(new NetworkError('offline'))).toBe('transient');
    expect(classify(new NetworkError('HTML 502', 502))).toBe('transient');
    expect(classify(new TimeoutError())).toBe('transient');
    expect(classify(new StorageError('disk'))).toBe('transient');
  });

  it('an ID token that cannot be checked for now is deferred; a wrong one is hostile', () => {
    expect(classify(new IdTokenValidationError('keys', 'keys_unavailable'))).toBe('deferred');
    expect(classify(new IdTokenValidationError('skew', 'clock'))).toBe('deferred');
    expect(classify(new IdTokenValidationError('signature does not match'))).toBe('hostile');
    expect(isTransient(new IdTokenValidationError('keys', 'keys_unavailable'))).toBe(true);
    expect(isTransient(new IdTokenValidationError('bad'))).toBe(false);
  });

  it('configuration, malformed responses and foreign errors are neither transient nor terminal', () => {
    expect(classify(new ConfigurationError('x'))).toBe('other');
    expect(classify(new InvalidResponseError('x'))).toBe('other');
    expect(classify(new TypeError('bug'))).toBe('other');
  });
});

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP dates; ignores junk', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    expect(retryAfter('120', now)).toBe(120);
    expect(retryAfter(' 0 ', now)).toBe(0);
    expect(retryAfter('Mon, 23 Nov 2026 12:00:30 GMT', now)).toBe(30);
    expect(retryAfter('Mon, 23 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfter('soon', now)).toBeUndefined();
    expect(retryAfter(null, now)).toBeUndefined();
  });
});

describe('http: the form POST', () => {
  it('sends a form-encoded body (fetch types it) and asks for JSON; undefined fields are left out', async () => {
    let sent: Request | undefined;
    vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
      sent = new Request(url, init); // what fetch puts on the wire for these arguments
      return Promise.resolve(Response.json({ access_token: 'a' }));
    });
    try {
      await request('https://as.test/oauth/token', { timeoutMs: 1_000 }, { grant_type: 'refresh_token', refresh_token: 'r 1', scope: undefined });
      expect(sent?.method).toBe('POST');
      expect(sent?.headers.get('content-type')).toBe('application/x-www-form-urlencoded;charset=UTF-8');
      expect(sent?.headers.get('accept')).toBe('application/json');
      expect(await sent?.text()).toBe('grant_type=refresh_token&refresh_token=r+1');
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('http: once the server has answered', () => {
  it('a nonce store slower than the request timeout does not abort the body (it may hold a rotated refresh token)', async () => {
    vi.useFakeTimers();
    try {
      let signal: AbortSignal | undefined;
      vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
        signal = init.signal ?? undefined;
        return Promise.resolve(new Response(JSON.stringify({ access_token: 'a', refresh_token: 'rotated' }), { headers: { 'DPoP-Nonce': 'n1', 'Content-Type': 'application/json' } }));
      });
      let stored: string | undefined;
      const answer = request(
        'https://as.test/oauth/token',
        { timeoutMs: 1_000, nonce: (n) => new Promise<void>((r) => setTimeout(() => r(void (stored = n)), 5_000)) },
        { grant_type: 'refresh_token' },
      );
      await vi.advanceTimersByTimeAsync(5_000);
      await expect(answer).resolves.toMatchObject({ status: 200, body: { refresh_token: 'rotated' } });
      expect(stored).toBe('n1');
      expect(signal?.aborted).toBe(false);
    } finally {
      vi.useRealTimers();
      vi.unstubAllGlobals();
    }
  });
});
