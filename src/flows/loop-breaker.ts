import { LoginLoopError } from '../errors.js';
import { sessionStore } from './transaction.js';

/**
 * The loop breaker: redirect logins started from this tab within `windowMs`, kept in sessionStorage
 * (the tab's own, surviving the redirects of a loop). Past `limit` the login is refused with
 * LoginLoopError and nothing navigates; a refused login is not counted, so the window drains.
 * Without sessionStorage (no page) there is no loop to break: nothing is counted.
 */
export function countRedirectLogin(clientId: string, limit: number, windowMs: number): void {
  const storage = sessionStore();
  if (!storage || !limit) return;
  const key = `rotor-auth:${clientId}:logins`;
  const now = Date.now();
  let started: unknown;
  try {
    started = JSON.parse(storage.getItem(key) ?? '[]');
  } catch {
    // unreadable: start again
  }
  const recent = (Array.isArray(started) ? started : []).filter((t) => typeof t === 'number' && t <= now && now - t < windowMs) as number[];
  if (recent.length >= limit) throw new LoginLoopError(recent.length + 1);
  try {
    storage.setItem(key, JSON.stringify([...recent, now]));
  } catch {
    // full or blocked: the login goes ahead uncounted
  }
}
