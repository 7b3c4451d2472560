import type { Endpoints } from '../protocol/endpoints.js';

export interface LogoutParams {
  returnTo?: string;
  /** Auth0: also sign out of the upstream identity provider. */
  federated?: boolean;
  /** Any extra parameter is passed to the logout endpoint. */
  [key: string]: string | number | boolean | undefined;
}

export interface LogoutOptions {
  /** `null` leaves client_id out of the logout URL (auth0-spa-js semantics). */
  clientId?: string | null;
  logoutParams?: LogoutParams;
  /** `false` skips the redirect; a function replaces `window.location.assign`. */
  openUrl?: false | ((url: string) => void | Promise<void>);
}

/** Auth0 `/v2/logout?client_id&returnTo`, or OIDC end_session_endpoint with id_token_hint / post_logout_redirect_uri. */
export function buildLogoutUrl(endpoints: Endpoints, clientId: string, options: LogoutOptions, idToken?: string): string | undefined {
  if (!endpoints.logout) return undefined;
  const url = new URL(endpoints.logout.url);
  const { returnTo, federated, ...extra } = options.logoutParams ?? {};
  const client = options.clientId === null ? undefined : (options.clientId ?? clientId);
  // extra first: a value the SDK sets replaces the caller's, an undefined one leaves it
  return withQuery(
    url,
    extra,
    { client_id: client },
    endpoints.logout.style === 'auth0' ? { returnTo, federated: federated ? '' : undefined } : { id_token_hint: idToken, post_logout_redirect_uri: returnTo },
  );
}

/** `url` with each defined value of each of `params` set as a query parameter, in order. */
export function withQuery(url: URL, ...params: Record<string, unknown>[]): string {
  for (const [k, v] of params.flatMap(Object.entries)) if (v != null) url.searchParams.set(k, String(v));
  return url.toString();
}
