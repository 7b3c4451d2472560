import type { Endpoints } from './endpoints.js';
import { NetworkError, TimeoutError } from './errors.js';
import { requestRefreshGrant, requestRevocation } from './token-endpoint.js';
import { scopeKey, type FamilyRecord } from './cache/token-store.js';

/** What the family lock's network steps need. */
export interface SendDeps {
  clientId: string;
  endpoints: () => Promise<Endpoints>;
  httpTimeoutMs: number;
}

/** The scope a refresh asks for: omitted when it is the grant, else never more than the grant (RFC 6749 §6). */
export function refreshScope(asked: string, granted: string | undefined): string | undefined {
  if (granted === undefined) return asked;
  const grant = new Set(granted.split(/\s+/).filter(Boolean));
  const narrowed = scopeKey(asked).split(' ').filter((s) => grant.has(s)).join(' ');
  return narrowed && narrowed !== scopeKey(granted) ? narrowed : undefined;
}

/** The refresh request: once, and once more with the same token if the response was lost on the way back. */
export async function sendRefresh(
  deps: SendDeps,
  record: FamilyRecord,
  req: { audienceParam?: string; scope: string },
): Promise<Record<string, unknown>> {
  const { token } = await deps.endpoints();
  const once = async () =>
    (
      await requestRefreshGrant({
        tokenUrl: token,
        clientId: deps.clientId,
        refreshToken: record.refresh_token,
        audience: req.audienceParam,
        scope: refreshScope(req.scope, record.scope),
        timeoutMs: deps.httpTimeoutMs,
      })
    ).body;
  try {
    return await once();
  } catch (e) {
    // No answer (network failure or timeout) although the server may have rotated: present the same token once more.
    if ((e instanceof NetworkError && e.status === undefined) || e instanceof TimeoutError) return once();
    throw e;
  }
}

/** RFC 7009; a failure does not stop a sign-out. */
export async function revokeRefreshToken(deps: SendDeps, refreshToken: string): Promise<void> {
  try {
    const { revocation } = await deps.endpoints();
    if (revocation) await requestRevocation({ revocationUrl: revocation, clientId: deps.clientId, token: refreshToken, timeoutMs: deps.httpTimeoutMs });
  } catch {
    // the family still ends here; the server's lifetimes end it there
  }
}
