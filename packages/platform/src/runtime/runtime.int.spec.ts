import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, pgEnv, startNats, type TestDatabase, type TestNats } from '@hearth/testkit';
import { EventEntity, OutboxEntity, ProcessedMessageEntity } from '../postgres/platform-entities.js';
import { startRuntime, type ServiceRuntime } from './runtime.js';

describe('a service runtime', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let runtime: ServiceRuntime;
  const token = 'tok-3f9a1c7e55d2b8a0';

  beforeAll(async () => {
    nats = await startNats();
    db = await createTestDatabase('hearth_platform');
    runtime = await startRuntime({
      service: 'probe',
      env: {
        ...pgEnv,
        NATS_URL: nats.url,
        NATS_STREAM_REPLICAS: 1,
        LOG_LEVEL: 'silent',
        ...{
          PROBE_ADMIN_TOKEN: token,
          PROBE_SIGNING_KEY_FILE: '/run/secrets/probe-signing-key',
          PROBE_HOST: 'probe.local',
        },
      },
      database: db.name,
      migrations: [],
      streams: [],
    });
  });
  afterAll(async () => {
    await runtime?.shutdown();
    await db?.drop();
    await nats?.stop();
  });

  it('registers the platform’s entities and migrates its tables, without the dropped transaction_id', async () => {
    for (const entity of [EventEntity, OutboxEntity, ProcessedMessageEntity]) {
      expect(runtime.dataSource.hasMetadata(entity)).toBe(true);
      expect(await runtime.dataSource.getRepository(entity).count()).toBe(0);
    }
    const columns = await runtime.dataSource.query<Array<{ column_name: string }>>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'events'`,
    );
    expect(columns.map((c) => c.column_name)).not.toContain('transaction_id');
  });

  it('scrubs the config’s credentials from its log lines, and nothing else of the config', () => {
    const line = `token ${token}, key file /run/secrets/probe-signing-key, host probe.local`;
    expect(runtime.scrubber.scrub(line)).toBe(
      'token [SCRUBBED], key file /run/secrets/probe-signing-key, host probe.local',
    );
  });
});
