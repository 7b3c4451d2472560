import type { Endpoints } from './endpoints.js';

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
  const set = (k: string, v: string | number | boolean | undefined) => {
    if (v !== undefined) url.searchParams.set(k, String(v));
  };
  for (const [k, v] of Object.entries(extra)) set(k, v);
  set('client_id', client);
  if (endpoints.logout.style === 'auth0') {
    set('returnTo', returnTo);
    if (federated) url.searchParams.set('federated', '');
  } else {
    set('id_token_hint', idToken);
    set('post_logout_redirect_uri', returnTo);
  }
  return url.toString();
}
