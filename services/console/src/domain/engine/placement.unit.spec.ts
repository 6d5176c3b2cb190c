import { describe, expect, it } from '@jest/globals';
import { ErrorCode, HearthError } from '@hearth/contracts';
import { placeDeployment, type EngineCapacity } from './placement.js';

const engines: EngineCapacity[] = [
  { name: 'east', capacity: 3 },
  { name: 'west', capacity: 2 },
  { name: 'north', capacity: 5 },
];
const loads = (entries: Record<string, number>) => new Map(Object.entries(entries));

/** The code a placement is refused with. */
function refusal(place: () => unknown): string {
  try {
    place();
  } catch (error) {
    if (error instanceof HearthError) return error.code;
    throw error;
  }
  throw new Error('placed');
}

describe('placing a new deployment on an engine', () => {
  it('goes to the engine with the fewest workspaces', () => {
    expect(placeDeployment(undefined, engines, loads({ east: 2, west: 1, north: 3 }))).toBe('west');
    expect(placeDeployment(undefined, engines, loads({ east: 2, west: 1 }))).toBe('north'); // none counted: 0
  });

  it('breaks a tie by the order of the configuration, so the same loads place the same way', () => {
    expect(placeDeployment(undefined, engines, loads({}))).toBe('east');
    expect(placeDeployment(undefined, engines, loads({ east: 1, west: 1, north: 1 }))).toBe('east');
  });

  it('passes over a full engine, however few the others hold', () => {
    expect(placeDeployment(undefined, engines, loads({ east: 3, west: 2, north: 4 }))).toBe('north');
    expect(placeDeployment(undefined, [{ name: 'tiny', capacity: 1 }, ...engines], loads({ tiny: 1 }))).toBe('east');
  });

  it('goes where the request names, even when another holds fewer', () => {
    expect(placeDeployment('north', engines, loads({ east: 0, north: 4 }))).toBe('north');
  });

  it('refuses an engine it does not know, with its code', () => {
    expect(refusal(() => placeDeployment('south', engines, loads({})))).toBe(ErrorCode.EngineUnknown);
    // A name that differs in case is another name.
    expect(refusal(() => placeDeployment('East', engines, loads({})))).toBe(ErrorCode.EngineUnknown);
  });

  it('refuses a named engine that is full, though others have room', () => {
    expect(refusal(() => placeDeployment('west', engines, loads({ west: 2 })))).toBe(ErrorCode.EngineFull);
  });

  it('refuses when every engine is full', () => {
    expect(refusal(() => placeDeployment(undefined, engines, loads({ east: 3, west: 2, north: 5 })))).toBe(
      ErrorCode.EngineFull,
    );
  });
});
