import { describe, expect, it } from '@jest/globals';
import { generatePassword } from './scram.js';

describe('generated passwords', () => {
  it('are 43 base64url characters (32 random bytes), different each time', () => {
    const passwords = new Set(Array.from({ length: 100 }, generatePassword));
    expect(passwords.size).toBe(100);
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
