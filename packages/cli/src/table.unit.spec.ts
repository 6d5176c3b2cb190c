import { describe, expect, it } from '@jest/globals';
import { formatTable } from './table.js';

describe('formatTable', () => {
  it('aligns every column to its widest cell, two spaces apart, header upper-cased', () => {
    const table = formatTable(
      ['slug', 'status', 'tier'],
      [
        ['acme', 'requested', 'dev'],
        ['a-much-longer-slug', 'ready', 'premium'],
      ],
    );
    expect(table.split('\n')).toEqual([
      'SLUG                STATUS     TIER',
      'acme                requested  dev',
      'a-much-longer-slug  ready      premium',
    ]);
  });

  it('prints only the header when there are no rows', () => {
    expect(formatTable(['Name', 'Role'], [])).toBe('NAME  ROLE');
  });

  it('leaves no trailing blanks when the last cells are short or missing', () => {
    const lines = formatTable(['a', 'endpoint'], [['x', ''], ['y'], ['z', 'http://127.0.0.1:5432']]).split('\n');
    expect(lines).toEqual(['A  ENDPOINT', 'x', 'y', 'z  http://127.0.0.1:5432']);
  });
});
