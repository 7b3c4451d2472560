/**
 * createTestClient(): an in-memory stand-in for AuthClient, for component tests, unit tests and Storybook.
 * No network, no storage, no timers except a scripted slow refresh. It has every public member of AuthClient
 * (the `TestClient` type fails to compile when AuthClient gains one it lacks) and throws the SDK's own error
 * classes, so `instanceof OAuthError` in the app's code works against it.
 *
 * ```ts
 * const client = createTestClient({ user: { sub: 'user-1', name: 'Ada' } });
 * client.failNextRefresh('invalid_grant'); // the next refresh signs the user out, as a revoked family does
 * ```
 */
import {
  AuthenticationError,
  ConfigurationError,
  MissingRefreshTokenError,
  NetworkError,
  OAuthError,
  type AuthClient,
  type AuthClientOptions,
  type Fetcher,
  type FetcherOptions,
  type GetTokenSilentlyOptions,
  type IdTokenClaims,
  type RedirectLoginResult,
  type SessionEvent,
  type SessionEventListener,
  type SessionEventType,
  type SignedOutReason,
  type TokenResponse,
  type User,
} from '../index.js';
import { createFetcher } from '../client/fetcher.js';
import { resolveOptions } from '../client/options.js';

/** Every public member of AuthClient. */
export type AuthClientInterface = { [K in keyof AuthClient]: AuthClient[K] };

/**
 * A scripted outcome of the next refresh: the server's `invalid_grant` (the family is gone: signed out),
 * `login_required` or `mfa_required` (the session is kept; the app must send the user to log in), `offline`
 * (a NetworkError; everything kept), or `{ slowMs }` (the refresh succeeds after that long).
 */
export type TestFault = 'invalid_grant' | 'login_required' | 'mfa_required' | 'offline' | { slowMs: number };

export interface TestClientOptions {
  /** The signed-in user (`getUser()`); omit or `null` to start signed out. */
  user?: User | null;
  /** More ID-token claims (`getIdTokenClaims()`); `sub` comes from `user`. */
  claims?: Record<string, unknown>;
  /** The first access token (default `test-access-token`); each refresh issues `<it>.<n>`. */
  accessToken?: string;
  /** Seconds each access token lives (default 3600). */
  expiresIn?: number;
  /** The granted scope (default `openid profile email offline_access`). */
  scope?: string;
  /** Client options, as `getConfiguration()` reports them (default: domain `test.invalid`, clientId `test`). */
  options?: Partial<AuthClientOptions>;
  /** The clock (epoch ms; default `Date.now`). */
  now?: () => number;
}

/** One call the app made on the test client. */
export interface TestClientCall {
  method: keyof AuthClient;
  args: unknown[];
}

export interface TestClient extends AuthClientInterface {
  /** The outcome of the next `times` refreshes (default 1), in order after any scripted before. */
  failNextRefresh(fault: TestFault, times?: number): void;
  /** Sign `user` in (as a completed login would): `signedIn` fires. */
  signIn(user?: User): void;
  /** End the session as another tab or the server would: `signedOut` fires with `reason`. */
  signOut(reason?: SignedOutReason): void;
  /** Make the access token expired: the next getTokenSilently refreshes. */
  expireAccessToken(): void;
  /** Every public method call, in order (`getConfiguration` and `on` included). */
  readonly calls: readonly TestClientCall[];
  /** How many refreshes ran (a refresh that failed counts; callers sharing one in flight count once). */
  readonly refreshCount: number;
}

interface Session {
  user: User;
  accessToken: string;
  expiresAt: number;
}

export function createTestClient(options: TestClientOptions = {}): TestClient {
  const now = options.now ?? Date.now;
  const lifetimeMs = (options.expiresIn ?? 3600) * 1000;
  const scope = options.scope ?? 'openid profile email offline_access';
  const config = resolveOptions({ domain: 'test.invalid', clientId: 'test', ...options.options });
  const firstToken = options.accessToken ?? 'test-access-token';
  const listeners = new Set<(event: SessionEvent) => void>();
  const faults: TestFault[] = [];
  const calls: TestClientCall[] = [];
  const nonces = new Map<string, string>();
  let refreshes = 0;
  let session: Session | undefined;
  let user = options.user ?? undefined;

  const emit = (event: SessionEvent) => listeners.forEach((l) => l(event));
  const start = (u: User | undefined = user) => {
    if (!u) throw new ConfigurationError('createTestClient: signIn() needs a user (pass one, or `user` in the options)');
    user = u;
    session = { user: u, accessToken: firstToken, expiresAt: now() + lifetimeMs };
    emit({ type: 'signedIn' });
  };
  const end = (reason: SignedOutReason) => {
    const had = !!session;
    session = undefined;
    if (had) emit({ type: 'signedOut', reason });
  };
  if (user) session = { user, accessToken: firstToken, expiresAt: now() + lifetimeMs };

  /** Refreshes in flight by audience and scope: concurrent callers share one, as the SDK's single flight does. */
  const inflight = new Map<string, Promise<Session>>();
  const refresh = (audience: string, asked: string): Promise<Session> => {
    const key = `${audience} ${asked}`;
    const running = inflight.get(key) ?? runRefresh(audience, asked).finally(() => inflight.delete(key));
    inflight.set(key, running);
    return running;
  };
  const runRefresh = async (audience: string, asked: string): Promise<Session> => {
    if (!session) throw new MissingRefreshTokenError(audience, asked);
    refreshes++;
    const fault = faults.shift();
    if (typeof fault === 'object') await new Promise((resolve) => setTimeout(resolve, fault.slowMs));
    else if (fault === 'offline') throw new NetworkError('Failed to fetch (createTestClient: offline)');
    else if (fault === 'invalid_grant') {
      end('invalid_grant');
      throw new OAuthError('invalid_grant', 'Unknown or invalid refresh token.', 403);
    } else if (fault) throw new OAuthError(fault, fault === 'mfa_required' ? 'Multifactor authentication required' : 'Login required', 403);
    if (!session) throw new MissingRefreshTokenError(audience, asked); // signed out while slow
    session.accessToken = `${firstToken}.${refreshes}`;
    session.expiresAt = now() + lifetimeMs;
    emit({ type: 'tokenRefreshed', audience, expiresAt: session.expiresAt });
    return session;
  };

  const tokenResponse = (s: Session): TokenResponse => ({
    access_token: s.accessToken,
    token_type: 'Bearer',
    expires_in: Math.max(0, Math.floor((s.expiresAt - now()) / 1000)),
    scope,
  });

  async function getTokenSilently(o: GetTokenSilentlyOptions = {}): Promise<string | TokenResponse | undefined> {
    const audience = o.authorizationParams?.audience ?? config.audience ?? 'default';
    const asked = o.authorizationParams?.scope ?? config.scope;
    const fresh = session && o.cacheMode !== 'off' && session.expiresAt - config.leeway * 1000 > now() ? session : undefined;
    if (!fresh && o.cacheMode === 'cache-only') return undefined;
    const s = fresh ?? (await refresh(audience, asked));
    return o.detailedResponse ? tokenResponse(s) : s.accessToken;
  }

  const claims = (): IdTokenClaims | undefined =>
    session && ({ iss: 'https://test.invalid/', aud: config.clientId, ...options.claims, ...session.user, __raw: 'test-id-token' } as IdTokenClaims);

  const client: Omit<TestClient, 'calls' | 'refreshCount'> = {
    on<T extends SessionEventType>(type: T, listener: SessionEventListener<T>): () => void {
      const wrapped = (event: SessionEvent) => {
        if (event.type === type) listener(event as Extract<SessionEvent, { type: T }>);
      };
      listeners.add(wrapped);
      return () => listeners.delete(wrapped);
    },
    close: () => listeners.clear(),
    loginWithRedirect: async () => undefined,
    async handleRedirectCallback<TAppState = unknown>(): Promise<RedirectLoginResult<TAppState>> {
      if (!user) throw new AuthenticationError('invalid_request', 'createTestClient: no user to sign in', '');
      start();
      return {};
    },
    loginWithPopup: async () => start(),
    async getTokenWithPopup() {
      start();
      return session!.accessToken;
    },
    getTokenSilently: getTokenSilently as AuthClient['getTokenSilently'],
    getUser: async <TUser extends User = User>() => session && ({ ...session.user } as TUser),
    getIdTokenClaims: async () => claims(),
    isAuthenticated: async () => !!session,
    checkSession: async () => undefined,
    getSessionExpiry: async () => ({}), // no horizon: the test double's session never ends on its own
    revokeRefreshToken: async () => end('logout'),
    getConfiguration: () => config,
    generateDpopProof: async () => {
      throw new ConfigurationError('createTestClient: DPoP proofs are not simulated');
    },
    getDpopNonce: async (id = 'auth_server') => nonces.get(id),
    setDpopNonce: async (nonce, id = 'auth_server') => void nonces.set(id, nonce),
    createFetcher: (fetcherOptions?: FetcherOptions): Fetcher => createFetcher(api, fetcherOptions),
    logout: async () => end('logout'),
    failNextRefresh: (fault, times = 1) => faults.push(...Array<TestFault>(times).fill(fault)),
    signIn: (u) => start(u),
    signOut: (reason = 'other_tab') => end(reason),
    expireAccessToken: () => {
      if (session) session.expiresAt = now() - 1;
    },
  };

  /** The same object, recording each public call (the scripting helpers are not recorded). */
  const scripting = new Set<PropertyKey>(['failNextRefresh', 'signIn', 'signOut', 'expireAccessToken']);
  const api = new Proxy(client as TestClient, {
    get(target, key, receiver) {
      if (key === 'calls') return calls;
      if (key === 'refreshCount') return refreshes;
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || scripting.has(key)) return value;
      return (...args: unknown[]) => {
        calls.push({ method: key as keyof AuthClient, args });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return api;
}
