import { describe, expect, it } from '@jest/globals';
import { distinctByNonce } from './read-batch.js';

describe('a batch of reads', () => {
  it('keeps the first read of a nonce, so a second read of it in the same batch is a replay', () => {
    const first = { principal: 'acme', nonce: 'n1', id: 'first' };
    const replay = { principal: 'acme', nonce: 'n1', id: 'replay' };
    expect(distinctByNonce([first, replay])).toEqual([first]);
  });

  it("keeps one principal's nonce apart from the same nonce of another", () => {
    const acme = { principal: 'acme', nonce: 'n1' };
    const globex = { principal: 'globex', nonce: 'n1' };
    expect(distinctByNonce([globex, acme])).toEqual([acme, globex]);
  });

  it('orders the reads by principal and nonce, whatever order they came in', () => {
    const reads = [
      { principal: 'b', nonce: '1' },
      { principal: 'a', nonce: '2' },
      { principal: 'a', nonce: '1' },
    ];
    expect(distinctByNonce(reads)).toEqual([reads[2], reads[1], reads[0]]);
  });

  it('does not confuse a principal and nonce that join into the same text', () => {
    const one = { principal: 'a|b', nonce: 'c' };
    const other = { principal: 'a', nonce: 'b|c' };
    expect(distinctByNonce([one, other])).toHaveLength(2);
  });
});
