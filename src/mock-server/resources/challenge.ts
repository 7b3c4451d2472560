/**
 * The resource server's challenges: `WWW-Authenticate` per RFC 6750 §3
 * (Bearer), RFC 9449 §7.1 (DPoP, with `algs`) and RFC 9470 §3 (step-up),
 * and the on-demand ones set by `control.resourceChallenge`.
 */
import { ControlError } from '../control-error.js';
import { oauthError } from '../http.js';
import type { ResourceChallenge, ResourceChallengeSpec, ResourceChallengeState } from '../types.js';
import { findResource, type ResolvedResource } from './options.js';

export type Scheme = 'Bearer' | 'DPoP';

export const CHALLENGES: readonly ResourceChallenge[] = ['invalid_token', 'insufficient_scope', 'use_dpop_nonce', 'insufficient_user_authentication'];

export interface ChallengeParams {
  error: ResourceChallenge | 'invalid_request' | 'invalid_dpop_proof';
  error_description: string;
  scope?: string | undefined;
  acr_values?: string | undefined;
  max_age?: number | undefined;
}

const STATUS: Record<string, number> = { insufficient_scope: 403, invalid_request: 400 };
const quote = (v: string) => `"${v.replace(/["\\]/g, "'")}"`;

/** The `WWW-Authenticate` value: `error` first, then the challenge's parameters, `error_description`, and `algs` for DPoP. */
export function challengeHeader(scheme: Scheme, p: ChallengeParams, algorithms: readonly string[]): string {
  const params = [`error=${quote(p.error)}`];
  if (p.scope !== undefined && p.scope !== '') params.push(`scope=${quote(p.scope)}`);
  if (p.acr_values !== undefined && p.acr_values !== '') params.push(`acr_values=${quote(p.acr_values)}`);
  if (p.max_age !== undefined) params.push(`max_age=${p.max_age}`);
  params.push(`error_description=${quote(p.error_description)}`);
  if (scheme === 'DPoP') params.push(`algs=${quote(algorithms.join(' '))}`);
  return `${scheme} ${params.join(', ')}`;
}

/** The answer to a refused request: 401 (403 for insufficient_scope) with the challenge and a JSON body. */
export function challengeResponse(scheme: Scheme, p: ChallengeParams, algorithms: readonly string[], headers: Record<string, string>): Response {
  return oauthError(STATUS[p.error] ?? 401, p.error, p.error_description, { ...headers, 'WWW-Authenticate': challengeHeader(scheme, p, algorithms) });
}

const DESCRIPTIONS: Record<ResourceChallenge, string> = {
  invalid_token: 'The access token is invalid (challenge set by the control API)',
  insufficient_scope: 'The access token lacks a scope this API needs (challenge set by the control API)',
  use_dpop_nonce: 'This API requires a DPoP nonce: use the DPoP-Nonce (challenge set by the control API)',
  insufficient_user_authentication: 'A stronger or more recent authentication is required (challenge set by the control API)',
};

/** The on-demand challenges, per resource path; `reset` clears them. */
export class ResourceChallenges {
  #pending = new Map<string, ResourceChallengeState>();

  constructor(private readonly resources: readonly ResolvedResource[]) {}

  list(): ResourceChallengeState[] {
    return [...this.#pending.values()].map((c) => ({ ...c }));
  }

  clear(): void {
    this.#pending.clear();
  }

  /** Validates everything first (a rejected call changes nothing), then replaces the path's pending challenge. */
  set(spec: ResourceChallengeSpec): ResourceChallengeState[] {
    const check = (ok: boolean, msg: string) => {
      if (!ok) throw new ControlError(msg);
    };
    check(typeof spec === 'object' && spec !== null, 'the challenge must be an object');
    check(typeof spec.path === 'string', 'path must be a string');
    const resource = findResource(this.resources, spec.path);
    if (!resource) throw new ControlError(`No resource serves ${spec.path.slice(0, 80)} (known: ${this.resources.map((r) => r.path).join(', ')})`, 404);
    if (spec.challenge === null) {
      this.#pending.delete(resource.path);
      return this.list();
    }
    check(CHALLENGES.includes(spec.challenge), `challenge must be one of ${CHALLENGES.join(', ')} (or null to clear)`);
    const times = spec.times ?? 1;
    check(Number.isInteger(times) && times >= 1 && times <= 1000, 'times must be an integer 1..1000');
    const text = (v: unknown, name: string) => {
      check(v === undefined || (typeof v === 'string' && v.length <= 512 && !/["\\\u0000-\u001f\u007f]/.test(v)), `${name} must be a string without quotes, backslashes or control characters`);
      return v as string | undefined;
    };
    const scope = text(spec.scope, 'scope') ?? (resource.scopes.join(' ') || undefined);
    const acr = text(spec.acr_values, 'acr_values') ?? (resource.acrValues.join(' ') || undefined);
    const description = text(spec.error_description, 'error_description');
    check(spec.max_age === undefined || (Number.isInteger(spec.max_age) && spec.max_age >= 0), 'max_age must be an integer >= 0');
    const maxAge = spec.max_age ?? resource.maxAge ?? undefined;
    const c = spec.challenge;
    this.#pending.set(resource.path, {
      path: resource.path,
      challenge: c,
      remaining: times,
      ...(c === 'insufficient_scope' && scope !== undefined ? { scope } : {}),
      ...(c === 'insufficient_user_authentication' && acr !== undefined ? { acr_values: acr } : {}),
      ...(c === 'insufficient_user_authentication' && maxAge !== undefined ? { max_age: maxAge } : {}),
      ...(description !== undefined ? { error_description: description } : {}),
    });
    return this.list();
  }

  /** Takes one use of the resource's pending challenge, if any. */
  take(resource: ResolvedResource): ChallengeParams | undefined {
    const c = this.#pending.get(resource.path);
    if (!c) return undefined;
    if (--c.remaining <= 0) this.#pending.delete(resource.path);
    return {
      error: c.challenge,
      error_description: c.error_description ?? DESCRIPTIONS[c.challenge],
      scope: c.scope,
      acr_values: c.acr_values,
      max_age: c.max_age,
    };
  }
}
