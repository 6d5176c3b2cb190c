import { describe, expect, it } from '@jest/globals';
import { isSlug } from './slug.js';
import { formatVaultPointer, parseVaultPointer, vaultPathOf, workspaceSecretsPointer } from './vault-pointer.js';

describe('slug rule', () => {
  it.each(['a', 'acme', 'a-b', 'a1', '0', 'x'.repeat(63)])('accepts %p', (slug) => {
    expect(isSlug(slug)).toBe(true);
  });

  it.each([
    ['traversal', '../x'],
    ['upper case', 'A'],
    ['64 characters', 'x'.repeat(64)],
    ['a dot', 'a.b'],
    ['a star', 'a*'],
    ['a NATS wildcard', 'a>'],
    ['empty', ''],
    ['a Cyrillic homoglyph', 'аcme'],
    ['a NUL', 'a\u0000b'],
    ['a leading hyphen', '-a'],
    ['a trailing hyphen', 'a-'],
    ['a newline', 'a\n'],
  ])('refuses %s', (_, slug) => {
    expect(isSlug(slug)).toBe(false);
  });
});

describe('vault pointers', () => {
  it('formats the LocalDocker pointer', () => {
    expect(workspaceSecretsPointer('acme')).toBe('vault://hearth/acme');
  });

  it('round-trips', () => {
    expect(parseVaultPointer(formatVaultPointer({ mount: 'hearth', path: ['acme', 'db'] }))).toEqual({
      mount: 'hearth',
      path: ['acme', 'db'],
    });
  });

  it('names the path the vault takes', () => {
    expect(vaultPathOf(parseVaultPointer('vault://hearth/acme/db')!)).toBe('hearth/acme/db');
  });

  it.each([
    'hearth/acme',
    'vault://hearth',
    'vault://hearth/../x',
    'vault://hearth//x',
    'vault://hearth/A',
    'vault://hearth/a\u0000',
  ])('refuses %p', (text) => {
    expect(parseVaultPointer(text)).toBeNull();
  });
});
