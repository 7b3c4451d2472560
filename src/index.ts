/** rotor-auth public API. */
export { AuthClient, createAuthClient } from './client/client.js';
export type {
  GetTokenSilentlyOptions,
  PopupConfigOptions,
  PopupLoginOptions,
  RedirectLoginOptions,
  RedirectLoginResult,
  TokenResponse,
  User,
} from './client/types.js';
export type { IdTokenClaims } from './protocol/id-token.js';
export type {
  SessionEvent,
  SessionEventListener,
  SessionEventType,
  SessionExpiringEvent,
  SignedInEvent,
  SignedOutEvent,
  SignedOutReason,
  TokenRefreshedEvent,
} from './session/events.js';
export type { AuthClientOptions, AuthorizationParams, CacheLocation, ClientAuthorizationParams } from './client/options.js';
export type { LogoutOptions, LogoutParams } from './flows/logout.js';
export type { AuthorizationResponse } from './flows/callback.js';
export {
  AuthenticationError,
  ConfigurationError,
  GenericError,
  IdTokenValidationError,
  InvalidResponseError,
  MissingRefreshTokenError,
  NetworkError,
  OAuthError,
  PopupCancelledError,
  PopupOpenError,
  PopupTimeoutError,
  StateMismatchError,
  StorageError,
  TimeoutError,
  UserInfoError,
  UseDpopNonceError,
  DpopKeyMissingError,
  FetcherOriginError,
  StepUpRequiredError,
  SessionExpiredError,
  LoginLoopError,
  CallbackReplayedError,
} from './errors.js';
export type { SessionExpiry } from './client/lifecycle.js';
export type { Fetcher, FetcherOptions, FetchAuthParams } from './client/fetcher.js';
export type { ProofParams as DpopProofParams } from './dpop/client.js';
export type { AnyErrorCode, ErrorCode, RotorAuthError, ServerErrorCode } from './errors.js';
export type { Cache, MaybePromise } from './cache/cache.js';
export { CACHE_KEY_PREFIX } from './cache/cache.js';
export { InMemoryCache } from './cache/memory.js';
export { LocalStorageCache } from './cache/local-storage.js';
export { IndexedDbCache } from './cache/indexeddb.js';
export type { IndexedDbCacheOptions } from './cache/indexeddb.js';
