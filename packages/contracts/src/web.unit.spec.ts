import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every module `web.ts` reaches, by its relative imports, and every package any of them imports. */
function reach(entry: string): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (modules.has(file)) return;
    modules.add(file);
    const source = readFileSync(join(import.meta.dirname, file), 'utf8');
    for (const [, from] of source.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
      if (from!.startsWith('.')) visit(join(file, '..', from!.replace(/\.js$/, '.ts')));
      else packages.add(from!);
    }
  };
  visit(entry);
  return { modules, packages };
}

describe('@hearth/contracts/web', () => {
  it('reaches no NATS, no libsodium and no node: module — only zod', () => {
    const { modules, packages } = reach('web.ts');
    expect(modules.size).toBeGreaterThan(5);
    expect([...packages]).toEqual(['zod']);
  });
});
