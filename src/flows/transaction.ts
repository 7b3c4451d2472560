import { CACHE_KEY_PREFIX } from '../cache/cache.js';
import { num, obj, str } from '../shape.js';
import { storageFailure } from '../cache/codec.js';

/**
 * In-flight login transactions, one per `state`, so that concurrent logins
 * (several tabs, or a redirect while a popup is open) never overwrite each
 * other. Redirect logins live in sessionStorage (they must survive the page
 * load; popup/iframe logins keep theirs in the call). Unreadable entries are
 * treated as absent and removed. A login left unfinished (the user went back) keeps its entry until
 * the tab closes: such entries are few and small, and sessionStorage ends with the tab, so none is swept.
 */
export interface Transaction {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
  scope: string;
  audience?: string;
  maxAge?: number;
  appState?: unknown;
  createdAt: number;
}

export function sessionStore(): Storage | undefined {
  try {
    return (globalThis as { sessionStorage?: Storage }).sessionStorage;
  } catch {
    return undefined;
  }
}

export interface TransactionStore {
  /** Saved in sessionStorage (a redirect login must survive the page load); in memory where there is none. */
  save(tx: Transaction): void;
  get(state: string): Transaction | undefined;
  remove(state: string): void;
  /** Whether `state` belongs to a login this tab completed or abandoned already (a replayed callback URL). */
  spent(state: string): boolean;
}

export function transactionStore(clientId: string): TransactionStore {
  const prefix = `${CACHE_KEY_PREFIX}::${clientId}::tx::`;
  const memory = new Map<string, Transaction>();
  /** States of removed transactions: a marker each in sessionStorage (smaller than the transactions; none without it). */
  const spentKey = (state: string) => `${prefix}spent::${state}`;
  /** The transaction stored under `key`, if it is one (absent, unreadable or malformed: undefined). */
  const read = (storage: Storage, key: string): Transaction | undefined => {
    try {
      const v: unknown = JSON.parse(storage.getItem(key) ?? '');
      // every string field is non-empty when the SDK writes it (scope always has openid); `state`: get() compares it
      if (
        obj(v) &&
        str(v.nonce) &&
        str(v.codeVerifier) &&
        str(v.redirectUri) &&
        str(v.scope) &&
        num(v.createdAt) &&
        (v.audience === undefined || str(v.audience)) &&
        (v.maxAge === undefined || num(v.maxAge))
      )
        return v as unknown as Transaction;
    } catch {
      // unreadable: undefined
    }
  };
  return {
    save(tx) {
      const storage = sessionStore();
      if (!storage) {
        memory.set(tx.state, tx);
        return;
      }
      try {
        storage.setItem(prefix + tx.state, JSON.stringify(tx));
      } catch (e) {
        throw storageFailure('sessionStorage', 'write', e);
      }
    },
    get(state) {
      const storage = sessionStore();
      const tx = memory.get(state) ?? (storage && read(storage, prefix + state));
      if (tx?.state === state) return tx;
      storage?.removeItem(prefix + state); // unreadable (or another state's): removed; absent: nothing to remove
      return undefined;
    },
    remove(state) {
      memory.delete(state);
      try {
        sessionStore()?.setItem(spentKey(state), '1');
      } catch {
        // full: a replay is then a plain StateMismatchError
      }
      sessionStore()?.removeItem(prefix + state);
    },
    spent: (state) => !!sessionStore()?.getItem(spentKey(state)),
  };
}
