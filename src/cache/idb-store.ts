import { promisifyRequest, type UseStore } from 'idb-keyval';

/**
 * Open `dbName` with `storeName` in it: a database that lacks the store is reopened one version up (at most
 * `attempts` times); `version` undefined opens the current version (WebIDL: a missing argument).
 */
function openWithStore(dbName: string, storeName: string, version: number | undefined, attempts: number): Promise<IDBDatabase> {
  const request = indexedDB.open(dbName, version);
  request.onupgradeneeded = () => {
    if (!request.result.objectStoreNames.contains(storeName)) request.result.createObjectStore(storeName);
  };
  return promisifyRequest(request).then(
    (db) => {
      if (db.objectStoreNames.contains(storeName)) return db;
      db.close();
      return openWithStore(dbName, storeName, db.version + 1, attempts - 1);
    },
    (error: unknown) => {
      // Another tab upgraded past the version we asked for: open whatever is current.
      if (attempts > 0 && (error as Error)?.name === 'VersionError') return openWithStore(dbName, storeName, undefined, attempts - 1);
      throw error;
    },
  );
}

/**
 * Like idb-keyval's createStore, but the object store is created even when the
 * database already exists without it (another store of the same database was
 * opened first, or an older layout): the database is then reopened one version
 * up. Connections close on `versionchange`, so such an upgrade in another
 * instance or tab is never blocked by this one.
 */
export function openStore(dbName: string, storeName: string): UseStore {
  let dbp: Promise<IDBDatabase> | undefined;
  /** The open connection, once there is one: transactions are then created at once, not a microtask later. */
  let db: IDBDatabase | undefined;

  // One connection, opened on first use; forgotten when it closes or another instance or tab upgrades the database.
  const database = (): Promise<IDBDatabase> =>
    (dbp ??= openWithStore(dbName, storeName, undefined, 3).then(
      (d) => {
        d.onclose = d.onversionchange = () => {
          d.close();
          db = dbp = undefined;
        };
        return (db = d);
      },
      (error: unknown) => {
        dbp = undefined;
        throw error;
      },
    ));

  return (txMode, callback) => {
    const run = (d: IDBDatabase) => callback(d.transaction(storeName, txMode).objectStore(storeName));
    return db ? new Promise((resolve) => resolve(run(db!))) : database().then(run);
  };
}
