import { describe, expect, it } from '@jest/globals';
import type { PolicyRule } from '@hearth/contracts';
import { covers, mayAccess } from './policy.js';

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
  it('cover a path exactly or by a trailing *', () => {
    expect(covers('hearth/acme', 'hearth/acme')).toBe(true);
    expect(covers('hearth/acme', 'hearth/acme/db')).toBe(false);
    expect(covers('hearth/acme*', 'hearth/acme/db')).toBe(true);
    expect(covers('hearth/acme/*', 'hearth/acme')).toBe(false);
    expect(covers('*', 'anything/at/all')).toBe(true);
  });

  it('deny by default', () => {
    expect(mayAccess([], 'hearth/acme', 'read')).toBe(false);
    expect(mayAccess([allow('hearth/acme*', 'list')], 'hearth/acme', 'read')).toBe(false);
  });

  it('let the longest matching pattern win', () => {
    expect(mayAccess([allow('hearth/*', 'read'), deny('hearth/acme*', 'read')], 'hearth/acme', 'read')).toBe(false);
    expect(mayAccess([deny('*', 'read'), allow('hearth/acme*', 'read')], 'hearth/acme/db', 'read')).toBe(true);
    expect(mayAccess([deny('*', 'read'), allow('hearth/acme*', 'read')], 'hearth/globex', 'read')).toBe(false);
  });

  it('let an explicit deny win at equal length', () => {
    expect(mayAccess([allow('hearth/acme*', 'read'), deny('hearth/acme*', 'read')], 'hearth/acme', 'read')).toBe(false);
  });

  it('keep one workspace out of another', () => {
    const acmeApp = [allow('hearth/acme*', 'read')];
    expect(mayAccess(acmeApp, 'hearth/acme', 'read')).toBe(true);
    expect(mayAccess(acmeApp, 'hearth/globex', 'read')).toBe(false);
  });
});
