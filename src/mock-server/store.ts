import type { ResolvedOptions } from './options.js';
import { EventLog } from './event-log.js';
import { capSet, CODE_MEMORY_MS, LIMITS, SWEEP_EVERY_MS, SWEEP_EVERY_OPS } from './limits.js';
import { randomToken } from './http.js';
import type { EventFilter, FamilyStatus, FamilyView, MockEvent, RefreshTokenView } from './types.js';
import type { AccessRecord, CodeRecord, Family, PendingLogin, Session } from './records.js';

export type { AccessRecord, CodeRecord, Family, PendingLogin, Session } from './records.js';

const userClient = (sub: string, clientId: string) => `${sub}\u0000${clientId}`;

/** All mutable server state. Everything here is cleared by `reset()`. */
export class Store {
  offsetMs = 0;
  itp: boolean;
  sessions = new Map<string, Session>();
  codes = new Map<string, CodeRecord>();
  pending = new Map<string, PendingLogin>();
  /** Per client, the ids of pending logins not started yet, oldest first. */
  private unstarted = new Map<string, Set<string>>();
  families = new Map<string, Family>();
  refreshIndex = new Map<string, Family>();
  accessTokens = new Map<string, AccessRecord>();
  /** user+client → the scopes declined when consent was given. */
  consents = new Map<string, string[]>();
  mfaRequired = new Set<string>();
  /** Run-time scope declines per user (`control.declineScopes`), over the user's `declineScopes` option. */
  declines = new Map<string, string[]>();
  private lastSweep = 0;
  private opsSinceSweep = 0;
  private active = new Map<string, Set<string>>();
  private readonly log: EventLog;
  private familyCounter = 0;

  constructor(private readonly opts: ResolvedOptions) {
    this.itp = opts.itp;
    this.log = new EventLog(opts.maxEvents);
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  reset(): void {
    this.offsetMs = 0;
    this.itp = this.opts.itp;
    for (const m of [this.sessions, this.codes, this.pending, this.families, this.refreshIndex, this.accessTokens, this.active]) m.clear();
    this.unstarted.clear();
    this.consents.clear();
    this.mfaRequired.clear();
    this.declines.clear();
    this.log.clear();
    this.familyCounter = 0;
    this.emit({ type: 'reset' });
  }

  /** Logs an event. `deferPublish`: the caller fills in fields later and calls `publish(ev)` for the live listeners. */
  emit(e: Omit<MockEvent, 'seq' | 'at'>, deferPublish = false): MockEvent {
    return this.log.emit({ at: this.now(), ...e }, deferPublish);
  }

  publish(ev: MockEvent): void {
    this.log.publish(ev);
  }

  onEvent(listener: (e: MockEvent) => void): () => void {
    return this.log.onEvent(listener);
  }

  events(f: EventFilter = {}): MockEvent[] {
    return this.log.events(f);
  }

  /** Sweeps expired state now and then, from the request path (bounded work per request on average). */
  maybeSweep(): void {
    const now = this.now();
    if (++this.opsSinceSweep < SWEEP_EVERY_OPS && now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.sweep();
  }

  hasConsent(sub: string, clientId: string): boolean {
    return this.consents.has(userClient(sub, clientId));
  }

  /** Scopes declined when the user consented to this client (empty when none or no consent). */
  consentDeclined(sub: string, clientId: string): string[] {
    return this.consents.get(userClient(sub, clientId)) ?? [];
  }

  grantConsent(sub: string, clientId: string, declined: string[] = []): void {
    this.consents.set(userClient(sub, clientId), declined);
  }

  /** Removes the user's consent for one client, or for every client. */
  revokeConsent(sub: string, clientId: string | undefined): void {
    if (clientId !== undefined) {
      this.consents.delete(userClient(sub, clientId));
      return;
    }
    for (const k of [...this.consents.keys()]) if (k.startsWith(userClient(sub, ''))) this.consents.delete(k);
  }

  /** The scopes this user declines at consent: the run-time setting, else the user's option. */
  userDeclines(sub: string): string[] {
    return this.declines.get(sub) ?? this.opts.users.get(sub)?.declineScopes ?? [];
  }

  /** Marks a family expired if one of its lifetimes has passed. Returns its status. */
  checkExpiry(f: Family): FamilyStatus {
    if (f.status !== 'active') return f.status;
    const now = this.now();
    const reason = now >= f.absoluteExpiresAt ? 'absolute' : now >= f.idleExpiresAt ? 'idle' : null;
    if (reason) {
      f.status = 'expired';
      f.reason = reason;
      this.active.get(userClient(f.sub, f.clientId))?.delete(f.id);
      this.emit({ type: 'family.expired', family: f.id, sub: f.sub, clientId: f.clientId, reason });
    }
    return f.status;
  }

  sweep(): void {
    const now = this.now();
    this.lastSweep = now;
    this.opsSinceSweep = 0;
    for (const f of this.families.values()) this.checkExpiry(f);
    for (const [k, a] of this.accessTokens) if (a.exp <= now) this.accessTokens.delete(k);
    // codes are remembered a while after expiry (or use) so a late exchange hears "expired" or is caught as a replay
    for (const [k, c] of this.codes) if (Math.max(c.expiresAt, c.usedAt ?? 0) + CODE_MEMORY_MS <= now) this.codes.delete(k);
    for (const [k, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(k);
    for (const [k, p] of this.pending) if (p.expiresAt <= now) this.removePending(k);
  }

  /**
   * Adds a pending login. A client's unstarted logins beyond `LIMITS.pendingUnstartedPerClient` go first
   * (oldest first); over the total cap, unstarted ones go before started ones.
   */
  addPending(p: PendingLogin): void {
    const clientId = p.request.clientId;
    let set = this.unstarted.get(clientId);
    if (!set) this.unstarted.set(clientId, (set = new Set()));
    this.pending.set(p.id, p);
    set.add(p.id);
    for (const id of set) {
      if (set.size <= LIMITS.pendingUnstartedPerClient) break;
      this.removePending(id);
    }
    while (this.pending.size > LIMITS.pending) {
      const victim = [...this.unstarted.values()].find((s) => s.size > 0)?.values().next().value ?? this.pending.keys().next().value;
      if (victim === undefined) break;
      this.removePending(victim);
    }
  }

  /** The login form was shown to the browser that started this login: a flood no longer evicts it. */
  markStarted(p: PendingLogin): void {
    p.started = true;
    this.unstarted.get(p.request.clientId)?.delete(p.id);
  }

  removePending(id: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.unstarted.get(p.request.clientId)?.delete(id);
  }

  addCode(c: CodeRecord): void {
    capSet(this.codes, c.code, c, LIMITS.codes);
  }

  addSession(s: Session): void {
    capSet(this.sessions, s.id, s, LIMITS.sessions);
  }

  /** Forgets a family and its tokens (only inactive ones, or the oldest when over the cap). */
  private dropFamily(f: Family): void {
    this.families.delete(f.id);
    for (const t of f.tokens) this.refreshIndex.delete(t.value);
    this.active.get(userClient(f.sub, f.clientId))?.delete(f.id);
  }

  /** Keeps the number of families under the cap: inactive ones go first, then the oldest. */
  private capFamilies(): void {
    if (this.families.size < LIMITS.families) return;
    for (const f of this.families.values()) {
      if (this.families.size < LIMITS.families) return;
      if (this.checkExpiry(f) !== 'active') this.dropFamily(f);
    }
    for (const f of this.families.values()) {
      if (this.families.size < LIMITS.families) return;
      this.dropFamily(f);
    }
  }

  revokeFamily(f: Family, reason: string): boolean {
    if (this.checkExpiry(f) !== 'active') return false;
    f.status = 'revoked';
    f.reason = reason;
    for (const t of f.tokens) if (t.state === 'current') t.state = 'revoked';
    this.active.get(userClient(f.sub, f.clientId))?.delete(f.id);
    this.emit({ type: 'family.revoked', family: f.id, sub: f.sub, clientId: f.clientId, reason });
    return true;
  }

  /** Revokes every active family of a user (optionally for one client). */
  revokeUserFamilies(sub: string, clientId: string | undefined, reason: string): string[] {
    const out: string[] = [];
    for (const f of this.families.values()) {
      if (f.sub === sub && (clientId === undefined || f.clientId === clientId) && this.revokeFamily(f, reason)) out.push(f.id);
    }
    return out;
  }

  /** Starts a family, first revoking the oldest ones over the per-user-per-client cap. */
  createFamily(init: { sub: string; clientId: string; audience: string | null; scope: string; authTime: number; mfa?: boolean; jkt: string | null }): Family {
    const key = userClient(init.sub, init.clientId);
    let set = this.active.get(key);
    if (!set) this.active.set(key, (set = new Set()));
    for (const id of [...set]) {
      const f = this.families.get(id);
      if (f) this.checkExpiry(f);
    }
    for (const id of [...set]) {
      if (set.size < this.opts.maxActiveRefreshTokens) break;
      const f = this.families.get(id);
      if (f) this.revokeFamily(f, 'limit');
    }
    this.capFamilies();
    const now = this.now();
    const f: Family = {
      id: `fam_${++this.familyCounter}_${randomToken(6)}`,
      ...init,
      status: 'active',
      reason: null,
      createdAt: now,
      absoluteExpiresAt: now + this.opts.absoluteTtl * 1000,
      idleExpiresAt: now + this.opts.idleTtl * 1000,
      lastUsedAt: now,
      rotations: 0,
      tokens: [],
    };
    this.families.set(f.id, f);
    set.add(f.id);
    this.addToken(f);
    this.emit({ type: 'family.created', family: f.id, sub: f.sub, clientId: f.clientId });
    return f;
  }

  private addToken(f: Family): RefreshTokenView {
    const t: RefreshTokenView = { value: randomToken(32), state: 'current', issuedAt: this.now(), rotatedAt: null };
    f.tokens.push(t);
    this.refreshIndex.set(t.value, f);
    if (f.tokens.length > LIMITS.tokensPerFamily) {
      const old = f.tokens.shift()!;
      this.refreshIndex.delete(old.value);
    }
    return t;
  }

  /** Rotates the family's current token and returns the successor. */
  rotate(f: Family): string {
    const now = this.now();
    const cur = f.tokens[f.tokens.length - 1]!;
    cur.state = 'rotated';
    cur.rotatedAt = now;
    const next = this.addToken(f);
    f.rotations++;
    this.touch(f);
    this.emit({ type: 'refresh_token.rotated', family: f.id, sub: f.sub, clientId: f.clientId, detail: { rotations: f.rotations } });
    return next.value;
  }

  /** Whole seconds until the family's absolute lifetime ends (`refresh_token_expires_in`). */
  secondsLeft(f: Family): number {
    return Math.max(0, Math.floor((f.absoluteExpiresAt - this.now()) / 1000));
  }

  touch(f: Family): void {
    f.lastUsedAt = this.now();
    f.idleExpiresAt = f.lastUsedAt + this.opts.idleTtl * 1000;
  }

  recordAccessToken(jti: string, family: string | null, expSeconds: number): void {
    capSet(this.accessTokens, jti, { family, exp: expSeconds * 1000, revoked: false }, LIMITS.accessTokens);
  }

  /** An access token is usable unless it was revoked or its family is no longer active for revocation reasons. */
  accessTokenRevoked(jti: string | undefined): boolean {
    if (!jti) return true;
    const a = this.accessTokens.get(jti);
    if (!a) return true;
    if (a.revoked) return true;
    if (a.family === null) return false;
    const f = this.families.get(a.family);
    return !f || f.status === 'revoked';
  }

  view(f: Family): FamilyView {
    this.checkExpiry(f);
    const { authTime: _, mfa: _mfa, tokens, ...rest } = f;
    return { ...rest, tokens: tokens.map((t) => ({ ...t })) };
  }
}
