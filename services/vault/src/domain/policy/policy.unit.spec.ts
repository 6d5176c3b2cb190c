import { describe, expect, it } from '@jest/globals';
import { ErrorCode, parseRequest, PolicyGrantRequest, type PolicyRule } from '@hearth/contracts';
import { covers, holds, mayAccess, mayReadAutoManaged } from './policy.js';

const allow = (pattern: string, ...capabilities: PolicyRule['capabilities']): PolicyRule => ({
  pattern,
  capabilities,
  effect: 'allow',
});
const deny = (pattern: string, ...capabilities: PolicyRule['capabilities']): PolicyRule => ({
  pattern,
  capabilities,
  effect: 'deny',
});

describe('path policies', () => {
  it('cover a path exactly, or it and everything below it by a trailing /*', () => {
    expect(covers('hearth/acme', 'hearth/acme')).toBe(true);
    expect(covers('hearth/acme', 'hearth/acme/db')).toBe(false);
    expect(covers('hearth/acme/*', 'hearth/acme')).toBe(true);
    expect(covers('hearth/acme/*', 'hearth/acme/api')).toBe(true);
    expect(covers('hearth/acme/*', 'hearth/acme/api/db')).toBe(true);
    expect(covers('*', 'anything/at/all')).toBe(true);
  });

  it('match whole segments: hearth/acme/* stays out of hearth/acme2 and hearth/acme-corp', () => {
    expect(covers('hearth/acme/*', 'hearth/acme2')).toBe(false);
    expect(covers('hearth/acme/*', 'hearth/acme-corp')).toBe(false);
    expect(covers('hearth/acme', 'hearth/acme2')).toBe(false);
  });

  it('cover nothing with a * anywhere but a whole last segment (a rule stored by an earlier release)', () => {
    for (const path of ['hearth/acme', 'hearth/acme2', 'hearth/acme/db']) {
      expect(covers('hearth/acme*', path)).toBe(false);
      expect(mayAccess([allow('hearth/acme*', 'read')], path, 'read')).toBe(false);
    }
    expect(covers('hearth/*/db', 'hearth/acme/db')).toBe(false);
  });

  it('are refused at grant time when a * is anywhere but the whole pattern or a last segment', () => {
    for (const pattern of ['hearth/acme*', 'hearth/*/db', '*/acme', 'hearth/**', 'hearth/', '/*', '']) {
      expect(() =>
        parseRequest(PolicyGrantRequest, { principal: 'p', rule: { pattern, capabilities: ['read'] } }),
      ).toThrow(expect.objectContaining({ code: ErrorCode.InvalidPattern }));
    }
    for (const pattern of ['*', 'hearth/*', 'hearth/acme/*', 'hearth/acme']) {
      expect(
        parseRequest(PolicyGrantRequest, { principal: 'p', rule: { pattern, capabilities: ['read'] } }).rule.pattern,
      ).toBe(pattern);
    }
  });

  it('deny by default', () => {
    expect(mayAccess([], 'hearth/acme', 'read')).toBe(false);
    expect(mayAccess([allow('hearth/acme/*', 'list')], 'hearth/acme', 'read')).toBe(false);
  });

  it('let the most specific matching pattern win', () => {
    expect(mayAccess([allow('hearth/*', 'read'), deny('hearth/acme/*', 'read')], 'hearth/acme', 'read')).toBe(false);
    expect(mayAccess([allow('hearth/*', 'read'), deny('hearth/acme/*', 'read')], 'hearth/acme2', 'read')).toBe(true);
    expect(mayAccess([deny('*', 'read'), allow('hearth/acme/*', 'read')], 'hearth/acme/db', 'read')).toBe(true);
    expect(mayAccess([deny('*', 'read'), allow('hearth/acme/*', 'read')], 'hearth/globex', 'read')).toBe(false);
    // an exact path is more specific than the /* of the same path
    expect(mayAccess([deny('hearth/acme/*', 'read'), allow('hearth/acme', 'read')], 'hearth/acme', 'read')).toBe(true);
    expect(mayAccess([deny('hearth/acme/*', 'read'), allow('hearth/acme', 'read')], 'hearth/acme/db', 'read')).toBe(
      false,
    );
  });

  it('let an explicit deny win at equal specificity', () => {
    expect(mayAccess([allow('hearth/acme/*', 'read'), deny('hearth/acme/*', 'read')], 'hearth/acme', 'read')).toBe(
      false,
    );
  });

  it('keep one workspace out of another', () => {
    const acmeApp = [allow('hearth/acme/*', 'read')];
    expect(mayAccess(acmeApp, 'hearth/acme', 'read')).toBe(true);
    expect(mayAccess(acmeApp, 'hearth/acme/api', 'read')).toBe(true);
    expect(mayAccess(acmeApp, 'hearth/acme2', 'read')).toBe(false);
    expect(mayAccess(acmeApp, 'hearth/acme-corp', 'read')).toBe(false);
    expect(mayAccess(acmeApp, 'hearth/globex', 'read')).toBe(false);
  });

  it('hold a pattern only when every path it covers is allowed: what a principal may grant', () => {
    const rules = [
      allow('hearth/acme/*', 'read', 'write'),
      deny('hearth/acme/vip', 'read'),
      allow('hearth/globex', 'read'),
    ];
    expect(holds(rules, 'hearth/acme/*', 'write')).toBe(true);
    expect(holds(rules, 'hearth/acme/api/*', 'write')).toBe(true);
    expect(holds(rules, 'hearth/acme/api', 'read')).toBe(true);
    // a deny inside the pattern: not all of it is held
    expect(holds(rules, 'hearth/acme/*', 'read')).toBe(false);
    expect(holds(rules, 'hearth/acme/vip', 'read')).toBe(false);
    // wider than what is held, or another capability
    expect(holds(rules, 'hearth/*', 'write')).toBe(false);
    expect(holds(rules, '*', 'read')).toBe(false);
    expect(holds(rules, 'hearth/acme/*', 'destroy')).toBe(false);
    // an exact path held is not everything below it
    expect(holds(rules, 'hearth/globex', 'read')).toBe(true);
    expect(holds(rules, 'hearth/globex/*', 'read')).toBe(false);
    // * with a deny anywhere is not all of *
    expect(holds([allow('*', 'read')], '*', 'read')).toBe(true);
    expect(holds([allow('*', 'read'), deny('hearth/x/*', 'read')], '*', 'read')).toBe(false);
    // a pattern outside the grammar covers nothing, so holding it is vacuous (it can be revoked)
    expect(holds([], 'hearth/acme*', 'read')).toBe(true);
  });

  it('let only a rule naming the workspace read an AUTO_MANAGED value', () => {
    expect(mayReadAutoManaged([allow('*', 'read')], 'hearth/acme')).toBe(false);
    expect(mayReadAutoManaged([allow('hearth/*', 'read')], 'hearth/acme')).toBe(false);
    expect(mayReadAutoManaged([allow('hearth/acme/*', 'read')], 'hearth/acme')).toBe(true);
    expect(mayReadAutoManaged([allow('hearth/acme', 'read')], 'hearth/acme')).toBe(true);
    expect(mayReadAutoManaged([allow('hearth/acme/*', 'read')], 'hearth/acme/db')).toBe(true);
    expect(mayReadAutoManaged([allow('hearth/acme/*', 'read'), deny('hearth/acme/db', 'read')], 'hearth/acme/db')).toBe(
      false,
    );
    expect(mayReadAutoManaged([allow('*', 'read'), allow('hearth/acme/*', 'list')], 'hearth/acme')).toBe(false);
    expect(mayReadAutoManaged([allow('other/acme/*', 'read')], 'other/acme')).toBe(false);
  });
});
