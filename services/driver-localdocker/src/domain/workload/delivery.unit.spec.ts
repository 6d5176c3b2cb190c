import { describe, expect, it } from '@jest/globals';
import { encodeBundle, INIT_SCRIPT } from './delivery.js';

describe('the bundle a workload’s init reads', () => {
  it('is a line per value, every byte as an octal escape, then the end line', () => {
    const bundle = encodeBundle(
      new Map([
        ['A', 'x%\n'],
        ['B', ''],
      ]),
    );
    expect(bundle.toString('latin1')).toBe('A \\170\\045\\012\nB \n.\n');
  });

  it('holds no byte of a value as it is, whatever the value', () => {
    const value = 'p@ss word\\%s\n€';
    const text = encodeBundle(new Map([['TOKEN', value]])).toString('latin1');
    expect(text).toMatch(/^TOKEN (\\[0-7]{3})+\n\.\n$/);
    expect(text).not.toContain('p@ss');
  });
});

describe('the init', () => {
  it('is POSIX sh that execs the command only once the whole bundle was read', () => {
    expect(INIT_SCRIPT.startsWith('#!/bin/sh\n')).toBe(true);
    expect(INIT_SCRIPT.indexOf('exec "$@"')).toBeGreaterThan(INIT_SCRIPT.indexOf('if [ -z "$whole" ]'));
  });
});
