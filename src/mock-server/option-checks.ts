/** Checks for option values: each failure is a MockOptionsError naming the field and the expected type. */

/** A rejected option; the message names the field and the expected type, once prefixed. */
export class MockOptionsError extends TypeError {
  override name = 'MockOptionsError';
  constructor(readonly field: string, readonly detail: string) {
    super(`rotor-auth mock server: option ${field}: ${detail}`);
  }
}

export function fail(field: string, detail: string): never {
  throw new MockOptionsError(field, detail);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.slice(0, 60))}`;
  if (typeof v === 'object') return 'an object';
  return String(v);
}

export function seconds(name: string, v: unknown, def: number, min = 0): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) fail(name, `expected a number >= ${min} (seconds), got ${describe(v)}`);
  return v;
}

export function count(name: string, v: unknown, def: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(name, `expected an integer >= 1, got ${describe(v)}`);
  return v;
}

export function bool(name: string, v: unknown, def: boolean): boolean {
  if (v === undefined) return def;
  if (typeof v !== 'boolean') fail(name, `expected a boolean, got ${describe(v)}`);
  return v;
}

export function str(name: string, v: unknown): string {
  if (typeof v !== 'string' || !v) fail(name, `expected a non-empty string, got ${describe(v)}`);
  return v;
}

export function optStr(name: string, v: unknown): string | undefined {
  return v === undefined ? undefined : str(name, v);
}

export function list<T>(name: string, v: unknown, item: (field: string, x: unknown) => T): T[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) fail(name, `expected an array, got ${describe(v)}`);
  return v.map((x, i) => item(`${name}[${i}]`, x));
}

export function obj(name: string, v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(name, `expected an object, got ${describe(v)}`);
  return v as Record<string, unknown>;
}

export function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[], def: T): T {
  if (v === undefined) return def;
  if (!(allowed as readonly unknown[]).includes(v)) fail(name, `expected one of ${allowed.join(', ')}, got ${describe(v)}`);
  return v as T;
}

export function origin(name: string, v: unknown): string {
  const s = str(name, v);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return fail(name, `expected an absolute URL, got ${describe(s)}`);
  }
  return u.origin;
}
