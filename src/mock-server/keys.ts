import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { SigningAlg } from './types.js';

interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

/** How many retired keys stay in the JWKS so tokens signed before a rotation still verify. */
const RETIRED_KEPT = 2;

/**
 * Signing keys made lazily on first use (key generation is async and
 * `createMockServer` is not). `rotate()` makes a new current key; the
 * previous ones stay published for verification.
 */
export class KeyManager {
  private keys: Promise<SigningKey>[] = [];
  private counter = 0;

  constructor(private readonly alg: SigningAlg) {}

  private async make(): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair(this.alg, { extractable: true });
    const kid = `k${++this.counter}-${crypto.randomUUID().slice(0, 8)}`;
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: this.alg, use: 'sig' };
    return { kid, alg: this.alg, privateKey, publicKey, jwk };
  }

  current(): Promise<SigningKey> {
    if (this.keys.length === 0) this.keys.unshift(this.make());
    return this.keys[0] as Promise<SigningKey>;
  }

  async rotate(): Promise<{ kid: string }> {
    await this.current();
    this.keys.unshift(this.make());
    this.keys.length = Math.min(this.keys.length, RETIRED_KEPT + 1);
    return { kid: (await this.current()).kid };
  }

  async byKid(kid: string | undefined): Promise<SigningKey | undefined> {
    if (!kid) return undefined;
    for (const k of await Promise.all(this.keys)) if (k.kid === kid) return k;
    return undefined;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    await this.current();
    return { keys: (await Promise.all(this.keys)).map((k) => k.jwk) };
  }
}
