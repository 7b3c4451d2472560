import { exportJWK, generateKeyPair, SignJWT, type CryptoKey as JoseKey, type JWK, type JWTPayload } from 'jose';
import { resolveDpopOptions, type DpopOptions } from '../../src/mock-server/dpop/options.js';
import { DpopNonces, DpopReplayCache } from '../../src/mock-server/dpop/state.js';
import type { DpopContext } from '../../src/mock-server/dpop/validate.js';

export const TOKEN_URL = 'https://as.rotor.test/oauth/token';
export const T0 = Date.UTC(2026, 0, 1);

export interface ProofKey {
  alg: string;
  privateKey: JoseKey;
  jwk: JWK;
}

export async function proofKey(alg = 'ES256'): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, privateKey, jwk: await exportJWK(publicKey) };
}

let counter = 0;

/** A proof signed by jose; `header`/`claims` override or (with undefined) remove members. */
export function signProof(
  key: ProofKey,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  signWith: JoseKey = key.privateKey,
): Promise<string> {
  const payload: Record<string, unknown> = { jti: `jti-${++counter}`, htm: 'POST', htu: TOKEN_URL, iat: Math.floor(T0 / 1000), ...claims };
  const protectedHeader: Record<string, unknown> = { typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk, ...header };
  for (const o of [payload, protectedHeader]) for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return new SignJWT(payload as JWTPayload).setProtectedHeader(protectedHeader as { alg: string }).sign(signWith);
}

/** A server context on a controllable clock. */
export function serverContext(options: DpopOptions = {}): DpopContext & { advance(seconds: number): void } {
  const settings = resolveDpopOptions(options);
  const ctx = {
    settings,
    nonces: new DpopNonces(settings.nonceRotation * 1000),
    replay: new DpopReplayCache(settings.replayCacheSize),
    now: T0,
    advance(seconds: number) {
      ctx.now += seconds * 1000;
    },
  };
  return ctx;
}
