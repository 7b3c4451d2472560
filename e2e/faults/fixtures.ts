// Fixtures of the fault matrix: one mock server per server profile and one app server per
// worker (reset before every test), the page-level storage-fault shim, and the optional
// machine-readable summary for the bench (env ROTOR_FAULT_REPORT=<path>).
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test as base, type Page } from '@playwright/test';
import type { MockServerOptions } from '../../src/mock-server/types.js';
import { E2E_APP_DIR, serveApp, startMockServer, type Attempt, type RunningMockServer, type StaticServer } from '../fixtures.js';

/** Server profiles: `strict` has no reuse interval (any re-presented token is reuse); `lenient` has Auth0's reuse interval. */
export const SERVER_PROFILES = {
  strict: { autoLogin: 'user-1', reuseInterval: 0 },
  lenient: { autoLogin: 'user-1', reuseInterval: 30 },
  /** Access tokens that are never fresh within the SDK's default 60 s leeway: every start-up refreshes. */
  shortLived: { autoLogin: 'user-1', reuseInterval: 0, accessTokenTtl: 30 },
} satisfies Record<string, MockServerOptions>;
export type ServerProfile = keyof typeof SERVER_PROFILES;

/** One mock server per profile, started on first use, closed when the worker ends. */
export class ServerPool {
  readonly #servers = new Map<ServerProfile, Promise<RunningMockServer>>();

  async get(profile: ServerProfile): Promise<RunningMockServer> {
    let server = this.#servers.get(profile);
    if (!server) {
      server = startMockServer(SERVER_PROFILES[profile]);
      this.#servers.set(profile, server);
    }
    const mock = await server;
    mock.control.reset();
    return mock;
  }

  async closeAll(): Promise<void> {
    for (const server of this.#servers.values()) await (await server).close();
    this.#servers.clear();
  }
}

/** What a test ran, for the summary (filled in by the test). */
export interface MatrixRow {
  fault?: string;
  cache?: string;
  mock?: RunningMockServer;
}

export interface FaultFixtures {
  row: MatrixRow;
}
export interface FaultWorkerFixtures {
  servers: ServerPool;
  sharedApp: StaticServer;
}

export const test = base.extend<FaultFixtures, FaultWorkerFixtures>({
  servers: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const pool = new ServerPool();
      await use(pool);
      await pool.closeAll();
    },
    { scope: 'worker' },
  ],
  sharedApp: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const app = await serveApp();
      await use(app);
      await app.close();
    },
    { scope: 'worker' },
  ],
  page: async ({ page }, use) => {
    await page.addInitScript({ path: resolve(E2E_APP_DIR, 'faults.js') });
    await use(page);
  },
  row: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use, testInfo) => {
      const row: MatrixRow = {};
      await use(row);
      const file = process.env.ROTOR_FAULT_REPORT;
      if (!file || !row.fault || !row.cache) return;
      const reuse = row.mock ? row.mock.events('refresh_token.reuse_detected').length : -1;
      recordRow(file, { fault: row.fault, cache: row.cache, survived: testInfo.status === 'passed', reuse });
    },
    { auto: true },
  ],
});

export interface ReportRow {
  fault: string;
  cache: string;
  survived: boolean;
  reuse: number;
}

/**
 * Appends the row to `<file>.jsonl` (tagged with the test runner's pid, so rows of
 * earlier runs are ignored) and rewrites `<file>` as the summary of this run so far.
 * Retries replace the row of the same fault × cache.
 */
export function recordRow(file: string, row: ReportRow): void {
  const run = process.ppid;
  const lines = `${file}.jsonl`;
  appendFileSync(lines, `${JSON.stringify({ run, ...row })}\n`);
  const rows = new Map<string, ReportRow>();
  for (const line of readFileSync(lines, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as ReportRow & { run: number };
      if (r.run === run) rows.set(`${r.fault}\n${r.cache}`, { fault: r.fault, cache: r.cache, survived: r.survived, reuse: r.reuse });
    } catch {
      // a torn line from a concurrent writer: skip it
    }
  }
  const all = [...rows.values()];
  const summary = {
    tried: all.length,
    survived: all.filter((r) => r.survived).length,
    reuseDetections: all.reduce((n, r) => n + Math.max(0, r.reuse), 0),
    rows: all,
  };
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(summary, null, 2)}\n`);
  renameSync(tmp, file);
}

type FaultWindow = Window & {
  __rotorFaults: {
    arm(kind: 'read' | 'write' | 'stall', keyPart: string): void;
    releaseStall(): boolean;
    fired: { read: number; write: number; stall: number };
    stalled: boolean;
  };
  e2e: {
    start(id: string, method: string, args: unknown[]): boolean;
    settled(id: string): Promise<Attempt<unknown>>;
    done(id: string): boolean;
  };
};

/** Arms a one-shot page-level storage fault on keys containing `keyPart`. */
export function armStorageFault(page: Page, kind: 'read' | 'write' | 'stall', keyPart: string): Promise<void> {
  return page.evaluate(([k, p]) => (window as unknown as FaultWindow).__rotorFaults.arm(k, p), [kind, keyPart] as const);
}

export function storageFaultsFired(page: Page): Promise<{ read: number; write: number; stall: number }> {
  return page.evaluate(() => ({ ...(window as unknown as FaultWindow).__rotorFaults.fired }));
}

export function isStalled(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as FaultWindow).__rotorFaults.stalled);
}

export function releaseStall(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as FaultWindow).__rotorFaults.releaseStall());
}

/** Starts a client call in the page without waiting for it. */
export async function startCall(page: Page, id: string, method: string, ...args: unknown[]): Promise<void> {
  await page.evaluate(([i, m, a]) => (window as unknown as FaultWindow).e2e.start(i, m, a), [id, method, args] as const);
}

export function settledCall<T = unknown>(page: Page, id: string): Promise<Attempt<T>> {
  return page.evaluate((i) => (window as unknown as FaultWindow).e2e.settled(i), id) as Promise<Attempt<T>>;
}

export function callDone(page: Page, id: string): Promise<boolean> {
  return page.evaluate((i) => (window as unknown as FaultWindow).e2e.done(i), id);
}

/** Every entry of the page's localStorage and of all its IndexedDB databases, as text (to search for tokens). */
export function storedValues(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const out: string[] = [];
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i) as string;
      out.push(`${k}=${localStorage.getItem(k) ?? ''}`);
    }
    for (const info of (await indexedDB.databases?.()) ?? []) {
      if (!info.name) continue;
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const r = indexedDB.open(info.name as string);
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const values = await new Promise<unknown[]>((res, rej) => {
          const r = db.transaction(store, 'readonly').objectStore(store).getAll();
          r.onsuccess = () => res(r.result);
          r.onerror = () => rej(r.error);
        });
        for (const v of values) out.push(typeof v === 'string' ? v : JSON.stringify(v));
      }
      db.close();
    }
    return out;
  });
}
