import { describe, expect, it } from '@jest/globals';
import { natsServers } from './connection.js';

describe('NATS_URL', () => {
  it('names one server, or a cluster’s nodes comma-separated, blanks and spaces ignored', () => {
    expect(natsServers('nats://127.0.0.1:4222')).toEqual(['nats://127.0.0.1:4222']);
    expect(natsServers(' nats://a:4222, nats://b:4222,,nats://c:4222 ')).toEqual([
      'nats://a:4222',
      'nats://b:4222',
      'nats://c:4222',
    ]);
  });
});
