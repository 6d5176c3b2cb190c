/**
 * Canonical JSON: object keys sorted (by UTF-16 code units), no whitespace, strings and numbers as
 * `JSON.stringify` writes them. For JSON values this is RFC 8785 (JCS), so any language can recompute
 * a hash. It refuses what JSON cannot carry (undefined, NaN, Infinity, functions) instead of silently
 * dropping or nulling it, because two different values must never canonicalize alike.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no NaN or Infinity');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const object = value as Record<string, unknown>;
      const members = Object.keys(object)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`);
      return `{${members.join(',')}}`;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  throw new TypeError(`canonical JSON has no ${typeof value}`);
}
