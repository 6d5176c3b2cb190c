import { describe, expect, it, jest } from '@jest/globals';
import { neutralise, oneLine, printErr, printOut } from './terminal.js';

describe('what the CLI lets reach the terminal', () => {
  it('shows escape sequences, bells, C1 controls and bidi overrides as \\u escapes', () => {
    expect(neutralise('a\u001b[2Jb\u0007c\u009bd\u202ee\u2066f')).toBe('a\\u001b[2Jb\\u0007c\\u009bd\\u202ee\\u2066f');
  });

  it('keeps newlines and tabs in multi-line output, but not on one line', () => {
    expect(neutralise('one\n\ttwo\r')).toBe('one\n\ttwo\\u000d');
    expect(oneLine('one\n\ttwo')).toBe('one\\u000a\\u0009two');
  });

  it('leaves JSON valid and meaning the same', () => {
    const value = { actor: 'x\u009b31m\u202e' };
    expect(JSON.parse(neutralise(JSON.stringify(value)))).toEqual(value);
  });

  it('neutralises what it prints to stdout and stderr', () => {
    const seen: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: unknown) => void seen.push(String(line)));
    const error = jest.spyOn(console, 'error').mockImplementation((line: unknown) => void seen.push(String(line)));
    try {
      printOut('out\u001b[31m');
      printErr('err\u001b[31m');
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
    expect(seen).toEqual(['out\\u001b[31m', 'err\\u001b[31m']);
  });
});
