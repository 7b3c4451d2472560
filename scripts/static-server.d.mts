export interface StaticServer {
  /** e.g. `http://localhost:53211` (no trailing slash). */
  url: string;
  port: number;
  close(): Promise<void>;
}
/** `dir` serves one directory at `/`; an object maps URL prefixes (`'/'`, `'/dist/'`) to directories. */
export type StaticMounts = string | Record<string, string>;
/** Serves `mounts` on `http://localhost:<port>` (bound to 127.0.0.1; port 0 = a free port). */
export function serveStatic(mounts: StaticMounts, port?: number): Promise<StaticServer>;
