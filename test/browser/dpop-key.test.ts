import { EmbeddedJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createDpopProof, generateDpopKey } from '../../src/dpop/key.js';
import { createClock } from '../../src/protocol/clock.js';
import { createDpop } from '../../src/dpop/client.js';
import { idbDpopStore } from '../../src/dpop/store.js';

describe('DPoP key in real Chromium', () => {
  it('a non-extractable key survives an IndexedDB round trip and still signs', async () => {
    const key = await generateDpopKey();
    await createDpop(idbDpopStore('rotor-auth-dpop-browser-test'), 'client', createClock()).save(key);
    // A second store instance opens its own connection, like another tab or a reload.
    const loaded = await createDpop(idbDpopStore('rotor-auth-dpop-browser-test'), 'client', createClock()).key(key.jkt);
    expect(loaded).toBeDefined();
    expect(loaded!.pair.privateKey).toBeInstanceOf(CryptoKey);
    expect(loaded!.pair.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('jwk', loaded!.pair.privateKey)).rejects.toThrow();
    const proof = await createDpopProof(loaded!, { url: 'https://as.rotor.test/oauth/token', method: 'POST' });
    const { protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
    expect(protectedHeader.jwk).toEqual(key.jwk);
  });
});
