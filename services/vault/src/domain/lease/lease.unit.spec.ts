import { describe, expect, it } from '@jest/globals';
import { ErrorCode, HearthError, LEASE_ID_PATTERN } from '@hearth/contracts';
import {
  isRevocable,
  lastErrorOf,
  issueTimes,
  LEASE_RANDOM_CHARS,
  leaseIdOf,
  randomPartOf,
  renewTimes,
  type RenewableLease,
} from './lease.js';

const at = (iso: string) => new Date(iso);
const NOW = at('2026-12-02T10:00:00.000Z');
const role = { defaultTtl: 3600, maxTtl: 4 * 3600 };

describe('a lease id', () => {
  it('is a policy path below its role, matching the contract', () => {
    const random = randomPartOf(
      Uint8Array.from({ length: 64 }, (_, i) => i * 7),
      LEASE_RANDOM_CHARS,
    );
    expect(random).toMatch(/^[a-z0-9]{24}$/);
    const id = leaseIdOf('readonly', random!);
    expect(id).toBe(`db/creds/readonly/${random}`);
    expect(id).toMatch(LEASE_ID_PATTERN);
  });

  it('uses no byte of 252 and above (they would favour some characters), and says when the bytes ran out', () => {
    expect(randomPartOf(Uint8Array.from([252, 253, 0, 255, 35, 61]), 3)).toBe('a9z');
    expect(randomPartOf(Uint8Array.from([252, 253, 0]), 3)).toBeNull();
  });
});

describe('a lease at issue', () => {
  it("lasts the role's default TTL unless asked, and never beyond the role's max TTL", () => {
    expect(issueTimes(NOW, role)).toEqual({
      ttl: 3600,
      expiresAt: at('2026-12-02T11:00:00.000Z'),
      maxExpiresAt: at('2026-12-02T14:00:00.000Z'),
    });
    expect(issueTimes(NOW, role, 60)).toMatchObject({ ttl: 60, expiresAt: at('2026-12-02T10:01:00.000Z') });
    expect(issueTimes(NOW, role, 24 * 3600)).toMatchObject({
      ttl: 4 * 3600,
      expiresAt: at('2026-12-02T14:00:00.000Z'),
      maxExpiresAt: at('2026-12-02T14:00:00.000Z'),
    });
  });
});

describe('a renewal', () => {
  const lease = (over: Partial<RenewableLease> = {}): RenewableLease => ({
    leaseId: 'db/creds/readonly/abcdefghij0123456789',
    state: 'active',
    expiresAt: at('2026-12-02T10:30:00.000Z'),
    maxExpiresAt: at('2026-12-02T14:00:00.000Z'),
    ...over,
  });

  it('extends from now by the TTL asked or the default', () => {
    expect(renewTimes(lease(), NOW, 3600)).toEqual({ ttl: 3600, expiresAt: at('2026-12-02T11:00:00.000Z') });
    expect(renewTimes(lease(), NOW, 3600, 600)).toEqual({ ttl: 600, expiresAt: at('2026-12-02T10:10:00.000Z') });
  });

  it('is capped at the max expiry', () => {
    expect(renewTimes(lease(), NOW, 3600, 10 * 3600)).toEqual({
      ttl: 4 * 3600,
      expiresAt: at('2026-12-02T14:00:00.000Z'),
    });
  });

  it('is refused with VAULT.LEASE_MAX_TTL once the lease is at its max', () => {
    const atMax = lease({ expiresAt: at('2026-12-02T14:00:00.000Z') });
    expect(() => renewTimes(atMax, NOW, 3600)).toThrow(expect.objectContaining({ code: 'VAULT.LEASE_MAX_TTL' }));
  });

  it.each(['creating', 'revoked', 'irrevocable', 'forced'] as const)(
    'is refused with VAULT.LEASE_ENDED for a %s lease',
    (state) => {
      expect(() => renewTimes(lease({ state }), NOW, 3600)).toThrow(
        expect.objectContaining({ code: 'VAULT.LEASE_ENDED' }),
      );
    },
  );

  it('is refused with VAULT.LEASE_ENDED for an active lease past its expiry (the sweeper has yet to come)', () => {
    expect(() => renewTimes(lease({ expiresAt: NOW }), NOW, 3600)).toThrow(
      expect.objectContaining({ code: 'VAULT.LEASE_ENDED' }),
    );
  });
});

describe('revocation', () => {
  it('has something to do while the user may exist: creating, active, irrevocable', () => {
    expect(['creating', 'active', 'revoked', 'irrevocable', 'forced'].filter((s) => isRevocable(s as never))).toEqual([
      'creating',
      'active',
      'irrevocable',
    ]);
  });
});

describe("a lease's last error", () => {
  it("keeps a coded failure's code and message, bounded", () => {
    const error = new HearthError(ErrorCode.RoleInvalid, `revoking failed: ${'x'.repeat(5000)}`);
    expect(lastErrorOf(error)).toMatch(/^VAULT\.ROLE_INVALID: revoking failed: x+$/);
    expect(lastErrorOf(error)).toHaveLength(2048);
  });

  it('only names any other failure: its message was never checked for what it holds', () => {
    expect(lastErrorOf(new Error('connect as app password=hunter2 failed'))).toBe('the revocation failed');
    expect(lastErrorOf('hunter2')).toBe('the revocation failed');
  });
});
