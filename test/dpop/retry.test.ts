import { describe, expect, it, vi } from 'vitest';
import { withDpopNonce } from '../../src/dpop/retry.js';
import { dpopNonces, memoryDpopStore } from '../../src/dpop/store.js';
import { GenericError, OAuthError, UseDpopNonceError } from '../../src/errors.js';

/** A token endpoint that wants the nonce `wanted()` gives for each request; answering use_dpop_nonce stores its nonce, as the HTTP layer will. */
function server(nonces: ReturnType<typeof dpopNonces>, wanted: () => string) {
  return vi.fn(async (nonce: string | undefined) => {
    const current = wanted();
    if (nonce !== current) {
      await nonces.set(current);
      throw new OAuthError('use_dpop_nonce', 'Authorization server requires nonce in DPoP proof', 400);
    }
    return `tokens(${nonce})`;
  });
}

describe('withDpopNonce', () => {
  it('uses the stored nonce; no challenge when it is current (what a second tab sees)', async () => {
    const nonces = dpopNonces(memoryDpopStore(), 'c');
    await nonces.set('n-1');
    const attempt = server(nonces, () => 'n-1');
    expect(await withDpopNonce(nonces, attempt)).toBe('tokens(n-1)');
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('retries once with the nonce the challenge stored', async () => {
    const nonces = dpopNonces(memoryDpopStore(), 'c');
    const attempt = server(nonces, () => 'n-1');
    expect(await withDpopNonce(nonces, attempt)).toBe('tokens(n-1)');
    expect(attempt.mock.calls).toEqual([[undefined], ['n-1']]);
  });

  it('a second challenge is a UseDpopNonceError (2 attempts, no loop)', async () => {
    const nonces = dpopNonces(memoryDpopStore(), 'c');
    let n = 0;
    const attempt = server(nonces, () => `n-${++n}`);
    const err = await withDpopNonce(nonces, attempt).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UseDpopNonceError);
    expect(err).toMatchObject({ error: 'use_dpop_nonce', newDpopNonce: 'n-2' });
    expect(attempt).toHaveBeenCalledTimes(2);
  });

  it('a challenge without a new nonce is not retried', async () => {
    const nonces = dpopNonces(memoryDpopStore(), 'c');
    const attempt = vi.fn(async () => {
      throw new OAuthError('use_dpop_nonce', 'no header', 400);
    });
    await expect(withDpopNonce(nonces, attempt)).rejects.toBeInstanceOf(UseDpopNonceError);
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('other errors pass through untouched, on either attempt', async () => {
    const nonces = dpopNonces(memoryDpopStore(), 'c');
    const grant = new OAuthError('invalid_grant', 'Unknown or invalid refresh token.', 403);
    await expect(withDpopNonce(nonces, async () => Promise.reject(grant))).rejects.toBe(grant);
    const net = new GenericError('network_error', 'down');
    let calls = 0;
    const attempt = async (): Promise<string> => {
      if (++calls === 1) {
        await nonces.set('n-9');
        throw new OAuthError('use_dpop_nonce', 'nonce', 400);
      }
      throw net;
    };
    await expect(withDpopNonce(nonces, attempt)).rejects.toBe(net);
    expect(calls).toBe(2);
  });
});
