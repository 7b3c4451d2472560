/**
 * DPoP settings of the mock server (RFC 9449). Not wired yet: the server's
 * options gain `dpop?: DpopMode` and `dpopNonce?: boolean | DpopNonceOptions`,
 * resolved by resolveDpopOptions into DpopSettings. All durations are seconds.
 */

/** `off`: DPoP headers are ignored, tokens are Bearer. `optional` (default): a proof binds, none gives Bearer. `required`: the token endpoint rejects requests without a proof. */
export type DpopMode = 'off' | 'optional' | 'required';

export interface DpopNonceOptions {
  /** Seconds between nonce rotations (the previous nonce stays valid for one more period). Default 300. */
  rotation?: number;
}

export interface DpopOptions {
  mode?: DpopMode;
  /** Require server-issued nonces (`--dpop-nonce`); `true` uses the default rotation. */
  nonce?: boolean | DpopNonceOptions;
  /** Accepted `iat` distance from the server clock, seconds. Default 300 (as oidc-provider). */
  iatWindow?: number;
  /** Accepted proof algorithms (asymmetric only); also advertised as `dpop_signing_alg_values_supported`. */
  algorithms?: string[];
  /** Most `jti`s remembered at once (oldest forgotten first). Default 10,000. */
  replayCacheSize?: number;
}

export interface DpopSettings {
  mode: DpopMode;
  requireNonce: boolean;
  nonceRotation: number;
  iatWindow: number;
  algorithms: string[];
  replayCacheSize: number;
}

export const DPOP_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA', 'Ed25519'];

function fail(msg: string): never {
  throw new TypeError(`rotor-auth mock server: ${msg}`);
}

function positive(name: string, v: number | undefined, def: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(`${name} must be a positive number (got ${String(v)})`);
  return v;
}

export function resolveDpopOptions(o: DpopOptions = {}): DpopSettings {
  const mode = o.mode ?? 'optional';
  if (!['off', 'optional', 'required'].includes(mode)) fail(`dpop must be 'off', 'optional' or 'required' (got ${String(mode)})`);
  const algorithms = o.algorithms ?? DPOP_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0) fail('dpop algorithms must be a non-empty array');
  for (const a of algorithms) if (!DPOP_ALGORITHMS.includes(a)) fail(`dpop algorithm ${String(a)} is not an asymmetric JWS algorithm this server supports`);
  const nonce = o.nonce ?? false;
  return {
    mode,
    requireNonce: nonce !== false,
    nonceRotation: positive('dpop nonce rotation', typeof nonce === 'object' ? nonce.rotation : undefined, 300),
    iatWindow: positive('dpop iatWindow', o.iatWindow, 300),
    algorithms: [...algorithms],
    replayCacheSize: Math.floor(positive('dpop replayCacheSize', o.replayCacheSize, 10_000)),
  };
}
