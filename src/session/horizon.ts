import { refreshExpiresIn } from '../protocol/token-endpoint.js';
import type { FamilyRecord } from '../cache/token-store.js';

/**
 * The refresh-token family's horizon: when its absolute lifetime ends (the server's
 * `refresh_token_expires_in`, kept in the family record as `expires_at`). Past it, a refresh
 * can only fail, so none is sent: the family is purged and the caller told to sign in again.
 */

/** The record fields a token response sets: `expires_at` when the server sent a lifetime (else none: the record keeps its own). */
export function horizonFields(body: Record<string, unknown>): Pick<FamilyRecord, 'expires_at'> {
  const seconds = refreshExpiresIn(body);
  return seconds ? { expires_at: Date.now() + seconds * 1000 } : {};
}

/** Whether the family's absolute lifetime has ended (false when its end is not known). */
export function pastHorizon(record: FamilyRecord | undefined, now = Date.now()): boolean {
  return record?.expires_at !== undefined && record.expires_at <= now;
}
