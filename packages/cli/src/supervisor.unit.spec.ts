import { describe, expect, it } from '@jest/globals';
import { describeEntry, natsServerLines, printable } from './supervisor.js';

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

  it("reads nats-server's lines: ready once it says so, its warnings and errors, nothing else", () => {
    expect(natsServerLines('[7] 2026/12/02 10:41:53.832438 [INF] Server is ready')).toEqual({ ready: '' });
    expect(natsServerLines('[7] 2026/12/02 10:41:53.832417 [INF] Listening for client connections')).toBeNull();
    expect(
      natsServerLines('[7] 2026/12/02 10:41:54.635754 [ERR] 127.0.0.1:39170 - cid:4 - authentication error'),
    ).toEqual({ problem: '127.0.0.1:39170 - cid:4 - authentication error' });
    const badConfig = "nats-server: variable reference for 'HEARTH_NKEY_CONSOLE' on line 33 can not be found";
    expect(natsServerLines(badConfig)).toEqual({ problem: badConfig });
  });
});
