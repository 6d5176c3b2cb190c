import { describe, expect, it } from '@jest/globals';
import {
  boundedName,
  boundedText,
  EventMetadata,
  isMessageId,
  parkableText,
  parkedExcerpt,
  WIRE_LIMITS,
} from './index.js';

describe('the bounds of what travels on the bus', () => {
  it.each([
    ['a NUL', 'a\u0000b'],
    ['an escape', 'a\u001b[31mb'],
    ['a C1 control', 'a\u009bb'],
    ['a lone surrogate', 'a\ud800b'],
    ['nothing', ''],
    ['one character too many', 'x'.repeat(WIRE_LIMITS.id + 1)],
  ])('refuses %s in a name or an id', (_, value) => {
    expect(boundedName(WIRE_LIMITS.id).safeParse(value).success).toBe(false);
    expect(isMessageId(value)).toBe(false);
  });

  it('takes a name of any script, emoji included, up to its bound', () => {
    expect(boundedName(WIRE_LIMITS.id).safeParse('ацме-😀').success).toBe(true);
    expect(isMessageId('x'.repeat(WIRE_LIMITS.id))).toBe(true);
  });

  it('lets prose keep its line breaks, never a NUL', () => {
    expect(boundedText(WIRE_LIMITS.text).safeParse('step 1 failed:\n\texit 1').success).toBe(true);
    expect(boundedText(WIRE_LIMITS.text).safeParse('failed\u0000').success).toBe(false);
  });

  it('bounds every field of an event envelope', () => {
    const metadata = { correlation_id: 'c', causation_id: null, trace_id: null, occurred_at: new Date().toISOString() };
    expect(EventMetadata.safeParse({ ...metadata, actor: 'svc' }).success).toBe(true);
    expect(EventMetadata.safeParse({ ...metadata, actor: 'x'.repeat(6_000) }).success).toBe(false);
    expect(EventMetadata.safeParse({ ...metadata, actor: 'svc', correlation_id: 'c'.repeat(1 << 20) }).success).toBe(
      false,
    );
  });

  it('keeps of a parked message only bounded, storable text, and no excerpt of a secret-looking body', () => {
    expect(parkableText('a\u0000b\u001bc\nd', 100)).toBe('a\uFFFDb\uFFFDc\nd');
    expect(parkableText('x'.repeat(1_000), 10)).toHaveLength(10);
    expect(parkedExcerpt({ data: { password: 'hunter2' } })).toBeNull();
    expect(parkedExcerpt({ data: { n: 1 } })).toBe('{"data":{"n":1}}');
  });
});
