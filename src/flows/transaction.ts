import { CACHE_KEY_PREFIX } from '../cache/cache.js';
import { num, obj, parseJson, str } from '../shape.js';
import { storageFailure } from '../cache/codec.js';

/**
 * In-flight login transactions, one per `state`, so that concurrent logins
 * (several tabs, or a redirect while a popup is open) never overwrite each
 * other. Redirect logins live in sessionStorage (they must survive the page
 * load; popup/iframe logins keep theirs in the call). Unreadable entries are
 * treated as absent and removed. A login left unfinished (the user went back, or closed the provider's page)
 * is swept with this client's unreadable entries at the next save, once older than TRANSACTION_MAX_AGE_MS:
 * a tab that lives for weeks does not collect them.
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

/** An unfinished login older than this is swept (no provider keeps a login page open for a day). */
export const TRANSACTION_MAX_AGE_MS = 24 * 60 * 60 * 1000;

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
      const v: unknown = parseJson(storage.getItem(key) ?? '');
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
  /** Remove this client's transactions that are unreadable or older than TRANSACTION_MAX_AGE_MS (never another client's). */
  const sweep = (storage: Storage | undefined): void => {
    const oldest = Date.now() - TRANSACTION_MAX_AGE_MS;
    for (const [state, tx] of memory) if (!(tx.createdAt > oldest)) memory.delete(state);
    if (!storage) return;
    const keys = Array.from({ length: storage.length }, (_, i) => storage.key(i));
    for (const key of keys) {
      if (key?.startsWith(prefix) && !((read(storage, key)?.createdAt ?? 0) > oldest)) storage.removeItem(key);
    }
  };
  return {
    save(tx) {
      const storage = sessionStore();
      if (!storage) {
        sweep(undefined);
        memory.set(tx.state, tx);
        return;
      }
      try {
        sweep(storage);
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
