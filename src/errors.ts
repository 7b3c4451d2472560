/**
 * Typed errors. Every error the SDK throws is a GenericError carrying an
 * OAuth-style `error` code and a human `error_description`. Switch on `error`
 * (or use `instanceof`); never match on the description text.
 */

/** The `error` codes rotor-auth itself produces (each error class below has one). */
export type ErrorCode =
  | 'network_error'
  | 'invalid_response'
  | 'timeout'
  | 'cancelled'
  | 'popup_open'
  | 'missing_refresh_token'
  | 'invalid_id_token'
  | 'invalid_userinfo'
  | 'state_mismatch'
  | 'invalid_issuer'
  | 'invalid_configuration'
  | 'storage_error'
  | 'iframe_failed'
  | 'not_supported'
  | 'use_dpop_nonce'
  | 'dpop_key_missing'
  | 'origin_not_allowed'
  | 'insufficient_user_authentication'
  | 'login_loop';

/**
 * Codes an authorization server sends (RFC 6749 §4.1.2.1 and §5.2, OIDC Core §3.1.2.6, RFC 9449),
 * listed for editor completion; any other string the server sends is carried too.
 */
export type ServerErrorCode =
  | 'invalid_grant'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'invalid_request'
  | 'invalid_scope'
  | 'invalid_target'
  | 'unsupported_grant_type'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'account_selection_required'
  | 'mfa_required'
  | 'invalid_token'
  | 'use_dpop_nonce';

/** Any code: the SDK's own, a known server code, or whatever else a server sent (`string & {}` keeps completion). */
export type AnyErrorCode = ErrorCode | ServerErrorCode | (string & {});

/** Base class of every error rotor-auth throws. `C` is the type of its `error` code. */
export class GenericError<C extends string = AnyErrorCode> extends Error {
  /** OAuth-style code: switch on it (never on the description). */
  readonly error: C;
  /** Human-readable explanation (also the `message`). */
  readonly error_description: string;
  constructor(error: C, error_description: string) {
    super(error_description);
    this.name = new.target.name;
    this.error = error;
    this.error_description = error_description;
  }
}

/**
 * The authorization server answered the redirect, popup or iframe with an error (e.g.
 * `access_denied`, `login_required`), or its response failed the `iss` check (`invalid_issuer`)
 * or had no code (`invalid_response`). `appState` of the login is kept.
 *
 * `error` is typed `string` (any code a server sends; see ServerErrorCode for the usual ones):
 * with `string & {}` here TypeScript would not narrow a `switch (err.error)` over RotorAuthError.
 */
export class AuthenticationError extends GenericError<string> {
  constructor(
    error: string,
    error_description: string,
    /** `state` of the authorization response. */
    readonly state?: string,
    /** The `appState` given to the login that failed. */
    readonly appState?: unknown,
  ) {
    super(error, error_description);
  }
}

/**
 * An error response from the token or revocation endpoint (RFC 6749 §5.2), `error` as the server
 * sent it (typed `string`, as AuthenticationError; see ServerErrorCode). `invalid_grant` on a
 * refresh means the family is gone (its tokens have left the cache).
 */
export class OAuthError extends GenericError<string> {
  constructor(
    error: string,
    error_description: string,
    /** HTTP status of the response. */
    readonly status: number,
    /** Seconds the server asked to wait (`Retry-After`), when it sent one. */
    readonly retryAfter?: number,
  ) {
    super(error, error_description);
  }
}

/** The network failed, or the server answered something that is not OAuth (e.g. a 502 HTML page). Transient: nothing is discarded. */
export class NetworkError extends GenericError<'network_error'> {
  constructor(
    error_description: string,
    /** HTTP status when the server answered (no status: the request failed before any answer). */
    readonly status?: number,
    /** Seconds the server asked to wait (`Retry-After` on a 429/503 of any body), when it sent one. */
    readonly retryAfter?: number,
  ) {
    super('network_error', error_description);
  }
}

/** A response was malformed (missing or wrongly typed field, not JSON). Nothing from it is cached. */
export class InvalidResponseError extends GenericError<'invalid_response'> {
  constructor(error_description: string) {
    super('invalid_response', error_description);
  }
}

/** A request, `getTokenSilently({ timeoutInSeconds })` or a lock wait took too long. Transient: nothing is discarded. */
export class TimeoutError extends GenericError<'timeout'> {
  constructor(error_description = 'Timeout') {
    super('timeout', error_description);
  }
}

/** The popup got no answer within `timeoutInSeconds` (default `authorizeTimeoutInSeconds`, 60). */
export class PopupTimeoutError extends TimeoutError {
  constructor(
    /** The popup window (still open: close it or reuse it). */
    readonly popup?: Window,
  ) {
    super('Popup timed out');
  }
}

/** The user closed the popup before the login finished. */
export class PopupCancelledError extends GenericError<'cancelled'> {
  constructor(
    /** The closed popup window. */
    readonly popup?: Window,
  ) {
    super('cancelled', 'Popup closed');
  }
}

/** `window.open` returned null (a popup blocker): open the popup in a click handler and pass it as `config.popup`. */
export class PopupOpenError extends GenericError<'popup_open'> {
  constructor() {
    super('popup_open', 'Popup blocked');
  }
}

/**
 * There is no refresh token for the requested audience/scope: signed out, a memory cache after a
 * reload, or the login returned none (then the description says why). Sign in again.
 */
export class MissingRefreshTokenError extends GenericError<'missing_refresh_token'> {
  constructor(
    /** The audience asked for. */
    readonly audience: string,
    /** The scope asked for. */
    readonly scope: string,
    /** Why, when known (e.g. the login returned no refresh token). */
    reason?: string,
  ) {
    super('missing_refresh_token', `Missing Refresh Token (audience: '${audience}', scope: '${scope}')${reason ? `: ${reason}` : ''}`);
  }
}

/**
 * The ID token failed a check (signature, `alg`, `iss`, `aud`, `azp`, `nonce`, `exp`, `iat`, `auth_time`).
 * At login nothing from that response is cached; after a refresh see `reason`.
 */
export class IdTokenValidationError extends GenericError<'invalid_id_token'> {
  constructor(
    error_description: string,
    /**
     * Why the token could not be checked, when that is not the token's fault:
     * `keys_unavailable` (JWKS unreachable) or `clock` (time checks failing,
     * e.g. clock skew). Absent for a token that is wrong.
     */
    readonly reason?: 'keys_unavailable' | 'clock',
  ) {
    super('invalid_id_token', error_description);
  }
}

/**
 * The userinfo response (`loadUserInfo`) is unusable: its `sub` differs from the ID token's
 * (OIDC Core 5.3.2), or it is not a JSON object. Nothing from it is used or cached.
 */
export class UserInfoError extends GenericError<'invalid_userinfo'> {
  constructor(error_description: string) {
    super('invalid_userinfo', error_description);
  }
}

/** The callback's `state` matches no login transaction of this browser (already used, or started elsewhere). */
export class StateMismatchError extends GenericError<'state_mismatch'> {
  constructor(error_description = 'Invalid state') {
    super('state_mismatch', error_description);
  }
}

/** Bad options given to createAuthClient / AuthClient (or a call); the description names the fix. */
export class ConfigurationError extends GenericError<'invalid_configuration'> {
  constructor(error_description: string) {
    super('invalid_configuration', error_description);
  }
}

/** A cache backend could not be used (storage unavailable, quota exceeded, value not JSON-serialisable). Nothing stored was changed. */
export class StorageError extends GenericError<'storage_error'> {
  constructor(error_description: string) {
    super('storage_error', error_description);
  }
}


/** A server kept answering `use_dpop_nonce` after the one retry with its fresh nonce (RFC 9449 §8). */
export class UseDpopNonceError extends GenericError<'use_dpop_nonce'> {
  constructor(readonly newDpopNonce?: string) {
    super('use_dpop_nonce', 'DPoP nonce refused');
  }
}

/** The family's DPoP key is gone (storage cleared): the family was purged locally, sign in again. */
export class DpopKeyMissingError extends GenericError<'dpop_key_missing'> {
  constructor(error_description = 'DPoP key missing') {
    super('dpop_key_missing', error_description);
  }
}

/** `fetchWithAuth` was asked for a URL whose origin is not in the fetcher's `allowedOrigins`: no token was asked for nor sent. */
export class FetcherOriginError extends GenericError<'origin_not_allowed'> {
  constructor(readonly origin: string) {
    super('origin_not_allowed', `fetchWithAuth: origin ${origin} is not in allowedOrigins; add it to createFetcher({ allowedOrigins })`);
  }
}

/**
 * A resource server's RFC 9470 step-up challenge (`insufficient_user_authentication`): sign in again with these,
 * e.g. `loginWithPopup({ authorizationParams: { acr_values, max_age } })`.
 */
export class StepUpRequiredError extends GenericError<'insufficient_user_authentication'> {
  constructor(
    error_description = 'The resource requires a stronger or more recent authentication',
    readonly acr_values?: string,
    readonly max_age?: number,
  ) {
    super('insufficient_user_authentication', error_description);
  }
}

/**
 * The refresh-token family reached the end of its lifetime (`reason` `absolute`: the server's
 * `refresh_token_expires_in`; `idle`: `idleTimeoutInSeconds`): no refresh was sent, the family was
 * purged, sign in again. `error` is `login_required`, as a silent login would answer.
 */
export class SessionExpiredError extends GenericError<'login_required'> {
  constructor(
    /** Which lifetime ended. */
    readonly reason: 'absolute' | 'idle',
    /** When it ended (epoch ms). */
    readonly expiresAt: number,
  ) {
    super('login_required', `Session ended (${reason} lifetime)`);
  }
}

/**
 * loginWithRedirect was called too often from this tab within a short window (default 3 in 60 s):
 * an app loop (e.g. `login_required` → login → callback → `login_required`). Nothing navigated.
 */
export class LoginLoopError extends GenericError<'login_loop'> {
  constructor(
    /** Redirect logins this tab started within the window. */
    readonly count: number,
  ) {
    super('login_loop', 'Login loop: not navigating');
  }
}

/** handleRedirectCallback got a callback URL whose login was completed already (a reload or a replayed URL). */
export class CallbackReplayedError extends StateMismatchError {
  constructor() {
    super('Callback already handled');
  }
}

/** Every error class rotor-auth throws: `switch (err.error)` narrows it. */
export type RotorAuthError =
  | StepUpRequiredError
  | FetcherOriginError
  | AuthenticationError
  | OAuthError
  | NetworkError
  | InvalidResponseError
  | TimeoutError
  | PopupTimeoutError
  | PopupCancelledError
  | PopupOpenError
  | MissingRefreshTokenError
  | IdTokenValidationError
  | UserInfoError
  | StateMismatchError
  | ConfigurationError
  | StorageError
  | UseDpopNonceError
  | DpopKeyMissingError
  | SessionExpiredError
  | LoginLoopError;
