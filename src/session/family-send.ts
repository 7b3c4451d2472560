import type { Dpop } from '../dpop/client.js';
import type { Endpoints } from '../protocol/endpoints.js';
import { NetworkError, TimeoutError } from '../errors.js';
import { requestRefreshGrant, requestRevocation, type DpopHttp } from '../protocol/token-endpoint.js';
import { scopeKey, type FamilyRecord } from '../cache/token-store.js';

/** What the family lock's network steps need. */
export interface SendDeps {
  clientId: string;
  endpoints: () => Promise<Endpoints>;
  httpTimeoutMs: number;
  /** useDpop: a family with `jkt` is refreshed and revoked with proofs from its key. */
  dpop?: Dpop;
}

/** The scope a refresh asks for: omitted when it is the grant, else never more than the grant (RFC 6749 §6). */
export function refreshScope(asked: string, granted: string | undefined): string | undefined {
  if (granted === undefined) return asked;
  const grant = scopeKey(granted);
  const narrowed = scopeKey(asked).split(' ').filter((s) => grant.split(' ').includes(s)).join(' ');
  return narrowed && narrowed !== grant ? narrowed : undefined;
}

/** The refresh request: once, and once more with the same token if the response was lost on the way back. */
export async function sendRefresh(
  deps: SendDeps,
  record: FamilyRecord,
  req: { audienceParam?: string; scope: string },
): Promise<Record<string, unknown>> {
  const { token } = await deps.endpoints();
  const grant = {
    url: token,
    clientId: deps.clientId,
    refreshToken: record.refresh_token,
    timeoutMs: deps.httpTimeoutMs,
    audience: req.audienceParam,
    scope: refreshScope(req.scope, record.scope),
  };
  const run = async (http?: DpopHttp) => (await requestRefreshGrant({ ...grant, http })).body;
  // DPoP-bound family: its key (gone → DpopKeyMissingError, nothing sent), a fresh proof per attempt. (Its answer
  // must be token_type DPoP: checked by the caller after the commit, as the rotated refresh token is kept either way.)
  const { dpop } = deps;
  const key = record.jkt && dpop ? await dpop.key(record.jkt) : undefined;
  const once = () => (key ? dpop!.send(key, token, run) : run());
  // No answer (network failure or timeout) although the server may have rotated: present the same token once more.
  return once().catch((e: unknown) => {
    if ((e instanceof NetworkError && e.status === undefined) || e instanceof TimeoutError) return once();
    throw e;
  });
}

/** The family record fields a revocation needs (its refresh token, and its key when DPoP-bound). */
type Revocable = Pick<FamilyRecord, 'refresh_token' | 'jkt'>;

/** RFC 7009, with a proof from the family's key when it is DPoP-bound (DpopKeyMissingError: nothing sent). */
export async function sendRevocation(deps: SendDeps, { refresh_token: token, jkt }: Revocable): Promise<void> {
  const { revocation } = await deps.endpoints();
  if (!revocation) return;
  const run = (http?: DpopHttp) => requestRevocation({ url: revocation, clientId: deps.clientId, refreshToken: token, timeoutMs: deps.httpTimeoutMs, http });
  const { dpop } = deps;
  await (jkt && dpop ? dpop.send(await dpop.key(jkt), revocation, run) : run());
}

/** RFC 7009; a failure does not stop a sign-out (the family still ends here; the server's lifetimes end it there). */
export function revokeRefreshToken(deps: SendDeps, record: Revocable): Promise<void> {
  return sendRevocation(deps, record).catch(() => undefined);
}
