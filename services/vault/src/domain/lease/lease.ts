import { credsPath, ErrorCode, HearthError, type LeaseState } from '@hearth/contracts';

/**
 * A lease's rules, apart from any database: its id, its times at issue and at renewal, and which
 * leases may still be revoked. The use cases in app/leases apply them.
 */

/** How many lowercase letters and digits a lease id's random part has (the contract allows 20–40). */
export const LEASE_RANDOM_CHARS = 24;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A random part of `length` lowercase letters and digits from random bytes: a byte is used only below
 * the largest multiple of 36 it can hold (252), so every character is equally likely. Returns null
 * when `bytes` ran out first; ask again with more.
 */
export function randomPartOf(bytes: Uint8Array, length: number): string | null {
  let part = '';
  for (const byte of bytes) {
    if (byte >= 252) continue;
    part += ALPHABET[byte % 36];
    if (part.length === length) return part;
  }
  return null;
}

/** A lease's id: its own policy path, below its role's `db/creds/<role>`. */
export function leaseIdOf(role: string, random: string): string {
  return `${credsPath(role)}/${random}`;
}

/** What a role says of a lease's time, in seconds. */
export interface RoleTtls {
  defaultTtl: number;
  maxTtl: number;
}

export interface LeaseTimes {
  ttl: number;
  expiresAt: Date;
  maxExpiresAt: Date;
}

const later = (from: Date, seconds: number) => new Date(from.getTime() + seconds * 1000);

/** At issue: the TTL asked for or the role's default, never beyond the role's max TTL, which also bounds every renewal. */
export function issueTimes(issuedAt: Date, role: RoleTtls, asked?: number): LeaseTimes {
  const ttl = Math.min(asked ?? role.defaultTtl, role.maxTtl);
  return { ttl, expiresAt: later(issuedAt, ttl), maxExpiresAt: later(issuedAt, role.maxTtl) };
}

/** A lease as renewal sees it. */
export interface RenewableLease {
  leaseId: string;
  state: LeaseState;
  expiresAt: Date;
  maxExpiresAt: Date;
}

/**
 * A renewal at `now`: `ttl` (or `defaultTtl`) from now, capped at the lease's max expiry. Refused for a
 * lease no longer active — revoked, forced, or past its expiry and only waiting for the sweeper — and
 * for one already at its max, whose caller must issue a new lease.
 */
export function renewTimes(
  lease: RenewableLease,
  now: Date,
  defaultTtl: number,
  asked?: number,
): Omit<LeaseTimes, 'maxExpiresAt'> {
  if (lease.state !== 'active' || lease.expiresAt.getTime() <= now.getTime()) {
    throw new HearthError(ErrorCode.LeaseEnded, `${lease.leaseId} has ended: issue a new lease`);
  }
  if (lease.expiresAt.getTime() >= lease.maxExpiresAt.getTime()) {
    throw new HearthError(
      ErrorCode.LeaseMaxTtl,
      `${lease.leaseId} is at its max TTL (until ${lease.maxExpiresAt.toISOString()}): issue a new lease`,
    );
  }
  const expiresAt = new Date(Math.min(later(now, asked ?? defaultTtl).getTime(), lease.maxExpiresAt.getTime()));
  return { ttl: Math.round((expiresAt.getTime() - now.getTime()) / 1000), expiresAt };
}

/** Leases whose user may still exist, so a revocation has something to do: all but revoked and forced ones. */
export const REVOCABLE_STATES = ['creating', 'active', 'irrevocable'] as const satisfies readonly LeaseState[];

export function isRevocable(state: LeaseState): boolean {
  return (REVOCABLE_STATES as readonly LeaseState[]).includes(state);
}

/** `last_error` holds at most this much (LeaseIrrevocableV1 carries it too). */
const LAST_ERROR_CHARS = 2048;

/**
 * Why a revocation failed, as a lease's `last_error` keeps it for an operator: a coded failure's code
 * and message (the target adapter's, scrubbed of every secret it carried); anything else only named,
 * since its message was never checked for what it might hold.
 */
export function lastErrorOf(error: unknown): string {
  const reason = error instanceof HearthError ? `${error.code}: ${error.message}` : 'the revocation failed';
  return reason.slice(0, LAST_ERROR_CHARS);
}
