import { describe, expect, it } from '@jest/globals';
import { canonicalJson } from './canonical-json.js';

describe('canonical JSON', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('is the same for the same value whatever the key order it arrived in', () => {
    const one = JSON.parse('{"actor":"ci","data":{"path":"hearth/acme","n":1}}') as unknown;
    const two = JSON.parse('{ "data" : { "n" : 1.0, "path" : "hearth/acme" }, "actor" : "ci" }') as unknown;
    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });

  it('keeps array order and escapes strings as JSON does', () => {
    expect(canonicalJson(['b', 'a', 'é', '"\n'])).toBe('["b","a","é","\\"\\n"]');
  });

  it('sorts keys by code unit, as RFC 8785 does', () => {
    expect(canonicalJson({ b: 0, B: 0, a: 0, '10': 0, '9': 0 })).toBe('{"10":0,"9":0,"B":0,"a":0,"b":0}');
  });

  it.each([[Number.NaN], [Number.POSITIVE_INFINITY], [undefined], [() => 1], [{ x: undefined }]])(
    'refuses %p rather than dropping it',
    (value) => {
      expect(() => canonicalJson(value)).toThrow(TypeError);
    },
  );
});
