import { describe, expect, it } from '@jest/globals';
import { canTransition, DeploymentRequest, STATUS_TRANSITIONS } from './deployment.js';

describe('status transitions', () => {
  it('are exactly the ones the product defines', () => {
    expect(STATUS_TRANSITIONS).toEqual({
      requested: ['provisioning'],
      provisioning: ['ready', 'failed'],
      ready: ['deprovisioning'],
      failed: ['provisioning', 'deprovisioning'],
      deprovisioning: ['deprovisioned'],
      deprovisioned: [],
    });
  });

  it('answer canTransition from the table', () => {
    expect(canTransition('failed', 'provisioning')).toBe(true);
    expect(canTransition('ready', 'failed')).toBe(false);
  });
});

describe('a deployment request', () => {
  const valid = {
    slug: 'acme',
    tier: 'dev',
    driver: 'localdocker',
    sidecars: [{ name: 'postgres', image: 'postgres:16' }],
  };

  it('accepts a well-formed request', () => {
    expect(DeploymentRequest.parse(valid)).toEqual(valid);
  });

  it.each([
    ['an unknown field', { ...valid, extra: 1 }],
    ['an unknown tier', { ...valid, tier: 'gold' }],
    ['an unknown driver', { ...valid, driver: 'k8s' }],
    ['duplicate sidecar names', { ...valid, sidecars: [valid.sidecars[0], valid.sidecars[0]] }],
    [
      'a sidecar with an unknown field',
      { ...valid, sidecars: [{ name: 'pg', image: 'postgres', devices: ['/dev/kvm'] }] },
    ],
  ])('refuses %s', (_, body) => {
    expect(DeploymentRequest.safeParse(body).success).toBe(false);
  });
});
