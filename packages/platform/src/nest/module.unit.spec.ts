import { describe, expect, it } from '@jest/globals';
import { nestModuleOf } from './module.js';

class ReadThing {}
class WriteThing {}

describe('nestModuleOf', () => {
  it('provides each use case under its own class, once', () => {
    const read = new ReadThing();
    const write = new WriteThing();
    expect(nestModuleOf([], { read, write }).providers).toEqual([
      { provide: ReadThing, useValue: read },
      { provide: WriteThing, useValue: write },
    ]);
  });

  it('refuses two use cases of one class, or a plain object, which one token could not tell apart', () => {
    expect(() => nestModuleOf([], { a: new ReadThing(), b: new ReadThing() })).toThrow(/ReadThing/);
    expect(() => nestModuleOf([], { plain: { run: () => undefined } })).toThrow(/Object/);
  });
});
