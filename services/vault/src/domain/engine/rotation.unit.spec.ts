import { describe, expect, it } from '@jest/globals';
import { rotationDue, type RotationSchedule } from './rotation.js';

const configured = new Date('2026-01-01T00:00:00Z');
const days = (n: number) => new Date(configured.getTime() + n * 24 * 3600 * 1000);
const engine = (over: Partial<RotationSchedule> = {}): RotationSchedule => ({
  rotationDays: 30,
  lastRotatedAt: null,
  updatedAt: configured,
  rotation: null,
  ...over,
});

describe('rotationDue', () => {
  it('counts rotation_days from the configuration while the root was never rotated', () => {
    expect(rotationDue(engine(), days(29))).toBe(false);
    expect(rotationDue(engine(), days(30))).toBe(true);
  });

  it('counts from the last rotation once there was one', () => {
    const rotated = engine({ lastRotatedAt: days(20) });
    expect(rotationDue(rotated, days(49))).toBe(false);
    expect(rotationDue(rotated, days(50))).toBe(true);
  });

  it('is never due without a schedule, nor while a rotation is in flight', () => {
    expect(rotationDue(engine({ rotationDays: null }), days(1000))).toBe(false);
    expect(rotationDue(engine({ rotation: { step: 'pending' } }), days(1000))).toBe(false);
  });
});
