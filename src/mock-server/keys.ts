import { KeyObject, sign } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { MockSigningKey, SigningAlg } from './types.js';

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
  /** The private key as a node:crypto KeyObject, for synchronous signing. */
  signer: KeyObject;
}

const b64json = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * A compact JWS (RFC 7515) signed synchronously with node:crypto: the same
 * bytes jose's SignJWT produces, without WebCrypto's per-call job and
 * promise overhead (the bulk of a refresh grant's non-signing cost).
 */
export function signJwt(key: SigningKey, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${b64json({ alg: key.alg, ...header, kid: key.kid })}.${b64json(payload)}`;
  const sig = sign('sha256', Buffer.from(input), key.alg === 'ES256' ? { key: key.signer, dsaEncoding: 'ieee-p1363' } : key.signer);
  return `${input}.${sig.toString('base64url')}`;
}

/** How many retired keys stay in the JWKS so tokens signed before a rotation still verify. */
const RETIRED_KEPT = 2;

let counter = 0;

async function makeKey(alg: SigningAlg): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `k${++counter}-${crypto.randomUUID().slice(0, 8)}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, jwk, signer: KeyObject.from(privateKey) };
}

async function importKey(k: MockSigningKey, alg: SigningAlg): Promise<SigningKey> {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = k.privateJwk as JWK;
  const privateKey = (await importJWK({ ...(k.privateJwk as JWK), alg }, alg)) as CryptoKey;
  const publicKey = (await importJWK({ ...pub, alg }, alg)) as CryptoKey;
  return { kid: k.privateJwk.kid, alg, privateKey, publicKey, jwk: { ...pub, kid: k.privateJwk.kid, alg, use: 'sig' }, signer: KeyObject.from(privateKey) };
}

/** One default key per algorithm per process, made on first use and shared by every server that brings no `keys`. */
const processDefaults = new Map<SigningAlg, Promise<SigningKey>>();

function processDefault(alg: SigningAlg): Promise<SigningKey> {
  let k = processDefaults.get(alg);
  if (!k) {
    k = makeKey(alg);
    processDefaults.set(alg, k);
    k.catch(() => processDefaults.delete(alg));
  }
  return k;
}

/**
 * A server's signing keys: the given `keys`, else the process-wide default
 * (so creating a server costs no key generation). `rotate()` makes a new
 * current key for this server only; the previous ones stay published.
 */
export class KeyManager {
  private keys: Promise<SigningKey>[] = [];

  constructor(
    private readonly alg: SigningAlg,
    private readonly given: MockSigningKey[] | null = null,
  ) {}

  private initial(): Promise<SigningKey>[] {
    return this.given ? this.given.map((k) => importKey(k, this.alg)) : [processDefault(this.alg)];
  }

  current(): Promise<SigningKey> {
    if (this.keys.length === 0) this.keys = this.initial();
    return this.keys[0] as Promise<SigningKey>;
  }

  async rotate(): Promise<{ kid: string }> {
    await this.current();
    this.keys.unshift(makeKey(this.alg));
    this.keys.length = Math.min(this.keys.length, RETIRED_KEPT + 1);
    return { kid: (await this.current()).kid };
  }

  async byKid(kid: string | undefined): Promise<SigningKey | undefined> {
    if (!kid) return undefined;
    await this.current();
    for (const k of await Promise.all(this.keys)) if (k.kid === kid) return k;
    return undefined;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    await this.current();
    return { keys: (await Promise.all(this.keys)).map((k) => k.jwk) };
  }
}
