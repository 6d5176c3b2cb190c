import { describe, expect, it } from '@jest/globals';
import { canTransition, STATUS_TRANSITIONS } from './status.js';

describe('status transitions', () => {
  it('are exactly the ones the product defines', () => {
    expect(STATUS_TRANSITIONS).toEqual({
      requested: ['provisioning'],
      provisioning: ['ready', 'failed'],
      ready: ['provisioning', 'deprovisioning'],
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
