import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { InMemoryMetrics, secretReadFixture } from '@hearth/testkit';
import { startHatchHarness, type HatchHarness } from '../../test/hatch-harness.js';

/** hatch's metrics as a collector reads them, over a real stream and database, on a clock of the test's. */
describe("hatch's metrics", () => {
  let now = Date.parse('2026-11-22T10:00:00.000Z');
  const clock = { now: () => new Date(now) };
  const reader = new InMemoryMetrics();
  let h: HatchHarness;

  beforeAll(async () => {
    h = await startHatchHarness({
      checkpointEvery: 10,
      clock,
      meter: new MeterProvider({ readers: [reader] }).getMeter('hatch'),
    });
  });
  afterAll(() => h?.close());

  it('reports the consumer lag, the records appended and the age of the last checkpoint', async () => {
    for (let n = 0; n < 12; n++) await h.publish(secretReadFixture());
    // Nothing ingested yet: all 12 wait, nothing is recorded, and there is no checkpoint to age.
    const before = await reader.values();
    expect(before['hatch.consumer.lag']).toBe(12);
    expect(before['hatch.records']).toBeUndefined();
    expect(before['hatch.checkpoint.age']).toBeUndefined();

    h.hatch.workers.ingest.start();
    await h.recorded(12);
    now += 42_000; // checkpoint 10 was signed at the old `now`
    const after = await reader.values();
    expect(after['hatch.consumer.lag']).toBe(0);
    expect(after['hatch.records']).toBe(12);
    expect(after['hatch.checkpoint.age']).toBe(42);
  });

  it('reports the age truthfully on a replica that signs nothing, from the checkpoints in the database', async () => {
    const replicaReader = new InMemoryMetrics();
    const replica = await h.startReplica({
      clock,
      meter: new MeterProvider({ readers: [replicaReader] }).getMeter('hatch'),
    });
    try {
      expect(await replicaReader.values()).toMatchObject({ 'hatch.checkpoint.age': 42, 'hatch.consumer.lag': 0 });

      // The other hatch signs the head (12) now; the replica sees the fresh checkpoint, 5 s on.
      expect(await h.hatch.useCases.signCheckpoint.run()).toMatchObject({ seq: 12 });
      now += 5_000;
      expect((await replicaReader.values())['hatch.checkpoint.age']).toBe(5);
      expect((await reader.values())['hatch.checkpoint.age']).toBe(5);
    } finally {
      await replica.stop();
    }
  });
});
