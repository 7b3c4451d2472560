/**
 * Base layer: checks of values that came from outside (server JSON, storage, URLs, options) before any
 * layer trusts them. Type guards that never coerce, and the option-value check shared by every layer.
 * Imports only errors.ts.
 */
import { ConfigurationError, type GenericError } from './errors.js';

/** Throws `E` with "`what` must be `want`, got `value`" (the value as JSON): one shape for every bad option or field. */
export function mustBe(E: new (description: string) => GenericError, what: string, want: string, value: unknown): never {
  throw new E(`${what} must be ${want}, got ${JSON.stringify(value)}`);
}

/** The text of anything thrown (`message` of an Error). */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
export const num = (v: unknown): v is number => Number.isFinite(v); // false for anything but a finite number (no coercion)
export const obj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Keys that would reach a prototype if a copy assigned them (`user[k] = v`, Object.assign): dropped from untrusted JSON. */
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];

/**
 * JSON.parse for untrusted text (server JSON, ID token parts, stored entries): plain data, with no `__proto__`,
 * `constructor` or `prototype` key at any depth, so no later copy of it can change a prototype. Throws as JSON.parse.
 */
export const parseJson = (text: string): unknown => JSON.parse(text, (k, v: unknown) => (PROTO_KEYS.includes(k) ? undefined : v));

/** The own entries of `o` as a new plain object built by definition (never assignment), prototype keys left out. */
export const plainCopy = (o: object, keep: (key: string) => boolean = () => true): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !PROTO_KEYS.includes(k) && keep(k)));

export const HTTP_URL = /^https?:\/\//i;

/** An absolute http(s) URL that parses (so its origin is never "null"). */
export function isHttpUrl(value: unknown): value is string {
  try {
    return str(value) && HTTP_URL.test(value) && !!new URL(value);
  } catch {
    return false;
  }
}

/** A bad option value: `Option "name" must be <want>, got <value>`. */
export function must(name: string, want: string, value: unknown): never {
  mustBe(ConfigurationError, `Option "${name}"`, want, value);
}

/** Option `name` of `o` in seconds: `zeroOk` accepts zero (leeway), else it must be above zero (timeouts). */
export function seconds(o: Record<string, unknown>, name: string, fallback: number, zeroOk?: boolean): number {
  const value = o[name] === undefined ? fallback : o[name];
  if (!num(value) || value < 0 || (!zeroOk && !value)) {
    must(name, `seconds ${zeroOk ? '>=' : '>'} 0`, value);
  }
  return value;
}
