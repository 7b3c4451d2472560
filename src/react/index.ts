/**
 * rotor-auth/react: the SDK for React 18+ apps. `<AuthProvider>` owns one AuthClient (made from its options, or
 * the `client` it is given, e.g. createTestClient()), handles the redirect callback once, and keeps every
 * `useAuth()` subscriber current from the session events (useSyncExternalStore: no tearing, no polling).
 * Server rendering never touches `window` and renders `isLoading: true`: the client is made in an effect.
 * Builds on the public face only (imports of `rotor-auth`).
 */
import {
  createContext,
  createElement,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type ComponentType,
  type ReactNode,
} from 'react';
import { AuthClient, ConfigurationError, type AuthClientOptions, type RedirectLoginOptions, type User } from '../index.js';

/** What the provider needs of a client: AuthClient, or anything with its public members (createTestClient()). */
export type AuthClientLike = { [K in keyof AuthClient]: AuthClient[K] };

export interface AuthState {
  /** True until the first session check (and any redirect callback) has finished; always true on the server. */
  isLoading: boolean;
  isAuthenticated: boolean;
  user?: User;
  /** The last error of the provider's own work (the callback, the session check, a guard's login). */
  error?: Error;
}

export interface AuthContextValue extends AuthState {
  /** The client; undefined during server rendering and before the provider's first effect. */
  client?: AuthClientLike;
  loginWithRedirect: AuthClient['loginWithRedirect'];
  loginWithPopup: AuthClient['loginWithPopup'];
  logout: AuthClient['logout'];
  getTokenSilently: AuthClient['getTokenSilently'];
  getIdTokenClaims: AuthClient['getIdTokenClaims'];
}

export interface AuthProviderProps {
  /** A ready client (AuthClient or createTestClient()); else `options` make one, in the browser only. */
  client?: AuthClientLike;
  options?: AuthClientOptions;
  /** After a redirect login: the `appState` given to loginWithRedirect (default: nothing). */
  onRedirectCallback?: (appState: unknown, user: User | undefined) => void;
  /** Do not treat `?code=&state=` in the URL as this SDK's callback (another library owns that page). */
  skipRedirectCallback?: boolean;
  children?: ReactNode;
}

const INITIAL: AuthState = { isLoading: true, isAuthenticated: false };

/** One provider's state, as an external store: every subscriber reads the same snapshot. */
class AuthStore {
  private state: AuthState = INITIAL;
  private readonly listeners = new Set<() => void>();
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  readonly snapshot = (): AuthState => this.state;
  set(next: AuthState): void {
    const s = this.state;
    if (s.isLoading === next.isLoading && s.isAuthenticated === next.isAuthenticated && s.user === next.user && s.error === next.error) return;
    this.state = next;
    this.listeners.forEach((l) => l());
  }
}

const serverSnapshot = (): AuthState => INITIAL;
const AuthContext = createContext<{ store: AuthStore; client?: AuthClientLike } | undefined>(undefined);

/** The parameters of an authorization response that a handled callback leaves behind (RFC 6749, RFC 9207). */
const CALLBACK_PARAMS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri'];

/** Whether the page's URL is an authorization response for this SDK (a `state` and a `code` or `error`). */
function isCallbackUrl(): boolean {
  const params = new URLSearchParams(window.location.search);
  return params.has('state') && (params.has('code') || params.has('error'));
}

/** Remove the callback parameters from the address bar, so a reload never replays the used code. */
function cleanAddressBar(): void {
  const url = new URL(window.location.href);
  CALLBACK_PARAMS.forEach((p) => url.searchParams.delete(p));
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
}

/** Read the session into the store (no network: isAuthenticated and getUser answer from the cache). */
async function readSession(client: AuthClientLike, store: AuthStore, error?: Error): Promise<void> {
  const isAuthenticated = await client.isAuthenticated();
  const user = isAuthenticated ? await client.getUser() : undefined;
  store.set({ isLoading: false, isAuthenticated, user, error });
}

/** Re-read the session into the store on every session event (this tab's or another's); returns the unsubscribe. */
function followSessionEvents(client: AuthClientLike, store: AuthStore): () => void {
  const update = () => void readSession(client, store, store.snapshot().error).catch((e: Error) => store.set({ ...store.snapshot(), error: e }));
  const offs = [client.on('signedIn', update), client.on('tokenRefreshed', update), client.on('signedOut', update)];
  return () => offs.forEach((off) => off());
}

/** Start the provider's client: the redirect callback (once) or the session check, then the session events. */
function startClient(client: AuthClientLike, store: AuthStore, props: AuthProviderProps): () => void {
  const unfollow = followSessionEvents(client, store);
  void (async () => {
    try {
      if (!props.skipRedirectCallback && isCallbackUrl()) {
        const { appState } = await client.handleRedirectCallback().finally(cleanAddressBar);
        await readSession(client, store);
        props.onRedirectCallback?.(appState, store.snapshot().user);
      } else {
        await client.checkSession();
        await readSession(client, store);
      }
    } catch (e) {
      await readSession(client, store, e as Error).catch(() => store.set({ ...INITIAL, isLoading: false, error: e as Error }));
    }
  })();
  return unfollow;
}

/** Holds one AuthClient for the tree below it. StrictMode's double effects handle the callback once. */
export function AuthProvider(props: AuthProviderProps): ReactNode {
  const [store] = useState(() => new AuthStore());
  const [client, setClient] = useState<AuthClientLike | undefined>(props.client);
  /** The client whose start (callback or session check) has run: once per client, StrictMode included. */
  const started = useRef<AuthClientLike | undefined>(undefined);
  useEffect(() => {
    if (!client) {
      if (!props.options) throw new ConfigurationError('AuthProvider needs `client` or `options`');
      setClient(new AuthClient(props.options));
      return;
    }
    // StrictMode's second run: the start is not repeated, only the event subscription.
    if (started.current === client) return followSessionEvents(client, store);
    started.current = client;
    return startClient(client, store, props);
    // props are read when the client starts; a new client (props.client) starts again
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, store]);
  const value = useMemo(() => ({ store, client }), [store, client]);
  return createElement(AuthContext.Provider, { value }, props.children);
}

/** A method of the client, or a rejection while there is none yet (server rendering, before the first effect). */
function method<K extends 'loginWithRedirect' | 'loginWithPopup' | 'logout' | 'getTokenSilently' | 'getIdTokenClaims'>(
  client: AuthClientLike | undefined,
  name: K,
): AuthClient[K] {
  const call = (...args: unknown[]) =>
    client
      ? (client[name] as (...a: unknown[]) => Promise<unknown>)(...args)
      : Promise.reject(new ConfigurationError(`${name}: no AuthClient yet (server rendering, or before AuthProvider's first effect)`));
  return call as AuthClient[K];
}

/** The session and the client's methods, re-rendered on every session change (another tab's logout included). */
export function useAuth(): AuthContextValue {
  const context = useContext(AuthContext);
  if (!context) throw new ConfigurationError('useAuth() must be used inside <AuthProvider>');
  const { store, client } = context;
  const state = useSyncExternalStore(store.subscribe, store.snapshot, serverSnapshot);
  return useMemo(
    () => ({
      ...state,
      client,
      loginWithRedirect: method(client, 'loginWithRedirect'),
      loginWithPopup: method(client, 'loginWithPopup'),
      logout: method(client, 'logout'),
      getTokenSilently: method(client, 'getTokenSilently'),
      getIdTokenClaims: method(client, 'getIdTokenClaims'),
    }),
    [state, client],
  );
}

export interface AuthenticationRequiredOptions {
  /** Where to come back after the login (`appState.returnTo`; default: the current path and query). */
  returnTo?: string | (() => string);
  /** Rendered while signed out and the login redirect starts. */
  onRedirecting?: () => ReactNode;
  /** Rendered when the login cannot start (e.g. the SDK stopped a redirect loop). */
  onError?: (error: Error) => ReactNode;
  loginOptions?: RedirectLoginOptions;
}

export interface AuthenticationRequired {
  status: 'loading' | 'ready' | 'redirecting' | 'error';
  /** Why the login could not start (`status: 'error'`). */
  error?: Error;
}

/**
 * The guard as a hook: `'ready'` when signed in; otherwise it starts one loginWithRedirect (with
 * `appState.returnTo`) and answers `'redirecting'`, or `'error'` when the login was refused.
 */
export function useAuthenticationRequired(options: AuthenticationRequiredOptions = {}): AuthenticationRequired {
  const { isLoading, isAuthenticated, loginWithRedirect, client } = useAuth();
  const [error, setError] = useState<Error>();
  const asked = useRef(false);
  const needsLogin = !!client && !isLoading && !isAuthenticated;
  useEffect(() => {
    if (!needsLogin || asked.current) return;
    asked.current = true;
    const { returnTo = () => window.location.pathname + window.location.search, loginOptions } = options;
    const to = typeof returnTo === 'function' ? returnTo() : returnTo;
    loginWithRedirect({ ...loginOptions, appState: { ...(loginOptions?.appState as object | undefined), returnTo: to } }).catch((e: Error) => setError(e));
  }, [needsLogin, loginWithRedirect, options]);
  if (error) return { status: 'error', error };
  if (isAuthenticated) return { status: 'ready' };
  return { status: needsLogin ? 'redirecting' : 'loading' };
}

/** Renders `Component` only for a signed-in user; sends everyone else to the login (once). */
export function withAuthenticationRequired<P extends object>(Component: ComponentType<P>, options: AuthenticationRequiredOptions = {}): ComponentType<P> {
  function Guarded(props: P): ReactNode {
    const { status, error } = useAuthenticationRequired(options);
    if (status === 'ready') return createElement(Component, props);
    if (status === 'error') return options.onError?.(error!) ?? null;
    return options.onRedirecting?.() ?? null;
  }
  Guarded.displayName = `withAuthenticationRequired(${Component.displayName ?? Component.name ?? 'Component'})`;
  return Guarded;
}

export interface AccessTokenState {
  token?: string;
  error?: Error;
  isLoading: boolean;
}

/**
 * A fresh access token for `audience`/`scope` while signed in, through getTokenSilently (cache first; one
 * refresh for every component and tab asking at once). Fetched again after each refresh of the session.
 */
export function useAccessToken(params: { audience?: string; scope?: string } = {}): AccessTokenState {
  const { isAuthenticated, client } = useAuth();
  const [state, setState] = useState<AccessTokenState>({ isLoading: true });
  const { audience, scope } = params;
  useEffect(() => {
    if (!client || !isAuthenticated) {
      setState({ isLoading: !client });
      return;
    }
    let live = true;
    const load = () =>
      client.getTokenSilently({ authorizationParams: { audience, scope } }).then(
        (token) => live && setState({ token, isLoading: false }),
        (error: Error) => live && setState({ error, isLoading: false }),
      );
    void load();
    const off = client.on('tokenRefreshed', () => void load());
    return () => {
      live = false;
      off();
    };
  }, [client, isAuthenticated, audience, scope]);
  return state;
}
