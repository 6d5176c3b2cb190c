import { describe, expect, it } from '@jest/globals';
import { parseDuration } from './durations.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30],
    ['15m', 900],
    ['1h', 3600],
    ['7d', 604_800],
    ['3600', 3600],
    [' 2h ', 7200],
  ])('reads %j as %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '0', '0s', '-1h', '1.5h', '1h30m', '10 m', '1w', 'h', 'soon'])(
    'refuses %j with a stable code, naming what was wrong',
    (text) => {
      expect(() => parseDuration(text, '--ttl')).toThrow(
        expect.objectContaining({ code: 'HEARTH.INVALID_REQUEST', message: expect.stringContaining('--ttl') }),
      );
    },
  );
});
