import { describe, expect, it } from '@jest/globals';
import { SignInThrottle } from './sign-in-throttle.js';

describe('refused sign-ins by address', () => {
  const throttle = () => new SignInThrottle({ limit: 3, windowMs: 60_000, addresses: 2 });

  it('turns an address away after `limit` refusals in the window, and lets it in again after', () => {
    const t = throttle();
    for (let n = 0; n < 3; n++) {
      expect(t.admits('10.0.0.1', n)).toBe(true);
      t.refused('10.0.0.1', n);
    }
    expect(t.admits('10.0.0.1', 10)).toBe(false);
    expect(t.admits('10.0.0.2', 10)).toBe(true);
    expect(t.admits('10.0.0.1', 59_999)).toBe(false);
    // The first refusal has left the window: one try again.
    expect(t.admits('10.0.0.1', 60_000)).toBe(true);
  });

  it('remembers a bounded number of addresses, forgetting the one refused longest ago', () => {
    const t = throttle();
    for (const address of ['a', 'b', 'c']) for (let n = 0; n < 3; n++) t.refused(address, n);
    expect(t.admits('a', 10)).toBe(true);
    expect(t.admits('b', 10)).toBe(false);
    expect(t.admits('c', 10)).toBe(false);
  });
});
