
/**
 * Session events: `client.on(type, listener)`. One listener set per client; a
 * listener that throws is reported (`reportError`) and never reaches the SDK.
 */

/** A sign-in completed: a login in this tab, or in another tab sharing this tab's storage. */
export interface SignedInEvent {
  type: 'signedIn';
}

/**
 * Why the session ended: `logout` (this tab), `idle` (`idleTimeoutInSeconds` passed), `other_tab` (a logout or a
 * terminal refresh failure in another tab), the server's terminal refresh
 * error (`invalid_grant`, `invalid_client`, `unauthorized_client`),
 * `invalid_id_token` (a hostile ID token in a refresh: the family was revoked),
 * or a silent-iframe answer (`login_required`, `consent_required`, ...).
 */
export type SignedOutReason =
  | 'logout'
  | 'idle'
  | 'other_tab'
  | 'invalid_grant'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'invalid_id_token'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'account_selection_required'
  | (string & {});

/** The session ended; its tokens have already left the cache. */
export interface SignedOutEvent {
  type: 'signedOut';
  reason: SignedOutReason;
}

/** A refresh stored a new access token (this tab's, or another tab's with shared storage). */
export interface TokenRefreshedEvent {
  type: 'tokenRefreshed';
  /** The audience of the token (`default` when none was asked for). */
  audience: string;
  /** When the new access token expires (epoch ms). */
  expiresAt: number;
}

/**
 * The session will end soon, once per refresh-token family and `sessionExpiringLeadInSeconds` (default 300)
 * ahead: `absolute` (the server's refresh-token lifetime) or `idle` (`idleTimeoutInSeconds`). Sign in
 * again at a moment that suits the user; past `expiresAt` getTokenSilently rejects `login_required`.
 */
export interface SessionExpiringEvent {
  type: 'sessionExpiring';
  /** When the session ends (epoch ms). */
  expiresAt: number;
  reason: 'absolute' | 'idle';
}

/** Every event `client.on()` delivers. */
export type SessionEvent = SignedInEvent | SignedOutEvent | TokenRefreshedEvent | SessionExpiringEvent;

/** `'signedIn' | 'signedOut' | 'tokenRefreshed' | 'sessionExpiring'`. */
export type SessionEventType = SessionEvent['type'];

/** A listener for one event type; receives that type's detail. */
export type SessionEventListener<T extends SessionEventType> = (event: Extract<SessionEvent, { type: T }>) => void;

/** Each listener wrapped with its type check; `dispatch(listeners, event)` (tab-sync.ts) calls each in a try/catch. */
export type Listeners = Set<(event: SessionEvent) => void>;

/** Adds `listener` for events of `type`; returns the function that removes it. */
export function listen<T extends SessionEventType>(listeners: Listeners, type: T, listener: SessionEventListener<T>): () => void {
  const f = (e: SessionEvent) => e.type === type && listener(e as Extract<SessionEvent, { type: T }>);
  listeners.add(f);
  return () => void listeners.delete(f);
}
