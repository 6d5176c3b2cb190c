import { describe, expect, it } from '@jest/globals';
import { describeEntry, printable } from './supervisor.js';

describe('what the supervisor shows of a service', () => {
  it("names a warning's reason, wherever the service put it", () => {
    expect(describeEntry({ msg: 'provisioning failed', slug: 'acme', reason: 'DRIVER.IMAGE_NOT_FOUND: x' })).toBe(
      'provisioning failed acme: DRIVER.IMAGE_NOT_FOUND: x',
    );
    expect(describeEntry({ msg: 'relay stopped', err: { message: 'connection refused' } })).toBe(
      'relay stopped: connection refused',
    );
  });

  it('neutralises terminal escapes and cuts a runaway line', () => {
    expect(printable('boom \u001b[2J\u001b]0;owned\u0007 done')).toBe('boom \\u001b[2J\\u001b]0;owned\\u0007 done');
    expect(printable('x'.repeat(2_000))).toHaveLength(501);
  });
});
