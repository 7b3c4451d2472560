/**
 * Typed errors. Every error the SDK throws is a GenericError carrying an
 * OAuth-style `error` code and a human `error_description`. Switch on `error`
 * (or use `instanceof`); never match on the description text.
 */
export class GenericError extends Error {
  readonly error: string;
  readonly error_description: string;
  constructor(error: string, error_description: string) {
    super(error_description);
    this.name = new.target.name;
    this.error = error;
    this.error_description = error_description;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** The authorization server answered the redirect/popup/iframe with an error. */
export class AuthenticationError extends GenericError {
  constructor(
    error: string,
    error_description: string,
    readonly state?: string,
    readonly appState?: unknown,
  ) {
    super(error, error_description);
  }
}

/** An error response from the token or revocation endpoint (RFC 6749 §5.2). */
export class OAuthError extends GenericError {
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
export class NetworkError extends GenericError {
  constructor(
    error_description: string,
    readonly status?: number,
    /** Seconds the server asked to wait (`Retry-After` on a 429/503 of any body), when it sent one. */
    readonly retryAfter?: number,
  ) {
    super('network_error', error_description);
  }
}

/** A response was malformed (missing or wrongly typed field). Nothing from it is cached. */
export class InvalidResponseError extends GenericError {
  constructor(error_description: string) {
    super('invalid_response', error_description);
  }
}

export class TimeoutError extends GenericError {
  constructor(error_description = 'Timeout') {
    super('timeout', error_description);
  }
}

export class PopupTimeoutError extends TimeoutError {
  constructor(readonly popup?: Window) {
    super('Popup timed out');
  }
}

export class PopupCancelledError extends GenericError {
  constructor(readonly popup?: Window) {
    super('cancelled', 'Popup closed');
  }
}

export class PopupOpenError extends GenericError {
  constructor() {
    super('popup_open', 'Unable to open a popup for loginWithPopup - window.open returned `null`');
  }
}

export class MissingRefreshTokenError extends GenericError {
  constructor(readonly audience: string, readonly scope: string) {
    super('missing_refresh_token', `Missing Refresh Token (audience: '${audience}', scope: '${scope}')`);
  }
}

export class IdTokenValidationError extends GenericError {
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

export class StateMismatchError extends GenericError {
  constructor(error_description = 'Invalid state') {
    super('state_mismatch', error_description);
  }
}

/** Bad options given to createAuthClient / AuthClient. */
export class ConfigurationError extends GenericError {
  constructor(error_description: string) {
    super('invalid_configuration', error_description);
  }
}

/** A cache backend could not be used (storage unavailable, quota exceeded, value not JSON-serialisable). Nothing stored was changed. */
export class StorageError extends GenericError {
  constructor(error_description: string) {
    super('storage_error', error_description);
  }
}

export type RotorAuthError =
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
  | StateMismatchError
  | ConfigurationError
  | StorageError;
