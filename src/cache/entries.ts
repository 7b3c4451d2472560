import type { IdTokenClaims, StoredJwks } from '../protocol/id-token.js';
import { num, obj, str } from '../shape.js';

// The entry types of TokenStore (token-store.ts), their shape validators and cache-key helpers.

export interface FamilyRecord {
  v: 1;
  family: string;
  refresh_token: string;
  created_at: number;
  updated_at: number;
  /**
   * Bumped by every successful compare-and-swap, so a reader can tell an old
   * copy from the current one (see RefreshEngine: rotation markers). Records
   * written before it existed have none: read as 0.
   */
  seq?: number;
  /** DPoP: thumbprint of the key this family is bound to (its key is in the DPoP store). */
  jkt?: string;
  /** Scope the authorization server granted to this family at login (a refresh asks for no more, RFC 6749 §6). */
  scope?: string;
  /** Epoch ms before which no refresh may be sent for this family (the server's Retry-After). */
  not_before?: number;
  /**
   * Epoch ms when the family's absolute lifetime ends (the server's `refresh_token_expires_in`);
   * none when the server sent none (records written before it existed too). `updated_at` is its last use.
   */
  expires_at?: number;
}

export interface AccessEntry {
  v: 1;
  audience: string;
  scope: string;
  access_token: string;
  token_type: string;
  /** Epoch ms. */
  expires_at: number;
  /** Epoch ms when the token endpoint answered. */
  obtained_at: number;
  granted_scope?: string;
  family?: string;
}

/** The cache entry for an access token the token endpoint just issued for (audience, scope). */
export function accessEntryFor(
  tokens: { access_token: string; token_type: string; expires_in: number; scope?: string },
  { audience, scope, family }: { audience: string; scope: string; family: string | undefined },
): AccessEntry {
  const now = Date.now();
  // Optional fields left undefined are not stored (the built-in caches store JSON).
  return {
    v: 1,
    audience,
    scope,
    access_token: tokens.access_token,
    token_type: tokens.token_type,
    expires_at: now + tokens.expires_in * 1000,
    obtained_at: now,
    granted_scope: tokens.scope,
    family,
  };
}

export interface SessionEntry {
  v: 1;
  id_token: string;
  claims: IdTokenClaims;
  family?: string;
  obtained_at: number;
  /** A refreshed ID token whose check was deferred (keys unreachable, clock): `claims` are still the previous token's. */
  pending_id_token?: string;
}

export function isFresh(entry: AccessEntry, leewayMs: number): boolean {
  return entry.expires_at - leewayMs > Date.now();
}

/** For cacheMode 'off': only a token obtained after the call started will do. */
export function obtainedAfter(entry: AccessEntry, notBefore: number | undefined): boolean {
  return notBefore === undefined || entry.obtained_at > notBefore;
}

export const DEFAULT_AUDIENCE = 'default';


type Check = (v: unknown) => boolean;
const optional = (check: Check): Check => (v) => v === undefined || check(v);
const text: Check = (v) => typeof v === 'string';
/** A validator: an object whose fields each pass their check. */
const shape = <T>(fields: Record<string, Check>) => {
  const checks = Object.entries(fields); // once, not per call (the cache-hit path runs one per read)
  return (v: unknown): v is T => {
    if (!obj(v)) return false;
    for (const [k, check] of checks) if (!check(v[k])) return false;
    return true;
  };
};
const v1: Check = (v) => v === 1;
const family = optional(str);

export const isFamily = shape<FamilyRecord>({
  v: v1,
  family: str,
  refresh_token: str,
  created_at: num,
  updated_at: num,
  seq: optional((v) => Number.isSafeInteger(v) && (v as number) >= 0),
  scope: optional(text),
  not_before: optional(num),
  expires_at: optional(num),
  jkt: optional(str),
});
export const isAccess = shape<AccessEntry>({
  v: v1,
  audience: str,
  scope: text,
  access_token: str,
  token_type: str,
  expires_at: num,
  obtained_at: num,
  family,
});
export const isJwks = shape<StoredJwks>({ keys: Array.isArray, expires_at: num });
export const isSession = shape<SessionEntry>({ v: v1, id_token: str, claims: shape({ sub: str }), obtained_at: num, family });

/** Scope as a cache-key component: de-duplicated and sorted, so word order does not matter. */
export function scopeKey(scope: string): string {
  return [...new Set(scope.split(/\s+/).filter(Boolean))].sort().join(' ');
}
