import { AuthenticationError, InvalidResponseError, StateMismatchError } from '../errors.js';

/** What the authorization server sends back (redirect query/fragment, popup or iframe web_message). */
export interface AuthorizationResponse {
  code?: string;
  state: string;
  iss?: string;
  error?: string;
  error_description?: string;
}

/** The response for `state`, with the optional fields `read` finds as strings (absent or other ones are left out). */
export function authorizationResponse(state: string, read: (name: string) => unknown): AuthorizationResponse {
  const out: AuthorizationResponse = { state };
  for (const name of ['code', 'iss', 'error', 'error_description'] as const) {
    const value = read(name);
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/** Read an authorization response from a callback URL (query first, then fragment). */
export function parseCallbackUrl(url: string): AuthorizationResponse {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidResponseError(`Callback URL is not a URL: ${url}`);
  }
  let params = parsed.searchParams;
  if (!['state', 'code', 'error'].some((k) => params.has(k)) && parsed.hash.length > 1) {
    params = new URLSearchParams(parsed.hash.slice(1));
  }
  if (!`${params}`) throw new InvalidResponseError('Callback URL has no parameters');
  const single = (name: string): string | undefined => {
    const all = params.getAll(name);
    if (all.length > 1) throw new InvalidResponseError(`Callback parameter "${name}" is repeated`);
    return all[0];
  };
  const state = single('state');
  // Without state nothing ties the response to a login of this app: anyone can craft such a link, so its
  // `error_description` is never surfaced (content spoofing); only a response matching a transaction is the server's.
  if (!state) throw new StateMismatchError('Callback has no "state" parameter');
  return authorizationResponse(state, single);
}

/** The server's side (Endpoints): the exact `iss`, and whether RFC 9207 makes it required (when absent and not required, it is not checked). */
export interface IssuerExpectations {
  issuer: string;
  issParameterRequired: boolean;
}

/**
 * Check iss (RFC 9207) and error before anything is exchanged; returns the code. `res.state` is
 * already the login's: each caller found `tx` by it (the redirect's transaction lookup, the
 * web_message reader's state match). iss before error: a mix-up attack must not be reported as the
 * other server's error. `tx.appState` goes with a failure.
 */
export function checkAuthorizationResponse(res: AuthorizationResponse, expected: { appState?: unknown }, server: IssuerExpectations): string {
  if (res.iss !== undefined ? res.iss !== server.issuer : server.issParameterRequired) {
    throw new AuthenticationError(
      'invalid_issuer',
      `Authorization response "iss" is ${JSON.stringify(res.iss)}, expected "${server.issuer}"`,
      res.state,
      expected.appState,
    );
  }
  if (res.error !== undefined) {
    throw new AuthenticationError(res.error, res.error_description ?? res.error, res.state, expected.appState);
  }
  if (!res.code) throw new AuthenticationError('invalid_response', 'Authorization response has no "code"', res.state, expected.appState);
  return res.code;
}

/** The authorization response's parameters, removed from the address bar after a callback. */
const CALLBACK_PARAMS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri'];

/** `url` without the authorization response (query and fragment), for history.replaceState. */
export function withoutCallbackParams(url: string): string {
  const u = new URL(url);
  const hash = new URLSearchParams(u.hash.slice(1));
  for (const name of CALLBACK_PARAMS) u.searchParams.delete(name);
  // a fragment that carries the response (response_mode=fragment) is the response: it goes; an app's own `#/route` stays
  if (CALLBACK_PARAMS.some((name) => hash.has(name))) u.hash = '';
  return `${u}`;
}
