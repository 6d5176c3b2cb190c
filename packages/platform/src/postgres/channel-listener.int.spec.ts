import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, pgEnv, queryDatabase, until, type TestDatabase } from '@hearth/testkit';
import type { DataSource } from 'typeorm';
import { createLogger } from '../logging/index.js';
import { ChannelListener } from './channel-listener.js';
import { openDatabase } from './database.js';
import { FastPath } from './fast-path.js';

describe('a LISTEN connection the database drops', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase('hearth_platform');
    dataSource = await openDatabase(pgEnv, { database: db.name, migrations: [], applicationName: 'test' });
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('is told lost, listens again and hears what comes after, instead of ending the process', async () => {
    const fastPath = new FastPath(dataSource);
    const heard: string[] = [];
    const events: string[] = [];
    const listener = new ChannelListener(
      fastPath,
      'channel_listener_spec',
      {
        notified: (payload) => heard.push(payload),
        lost: () => events.push('lost'),
        relistened: () => events.push('relistened'),
      },
      createLogger({ service: 'test', level: 'silent' }),
      50,
    );
    await listener.start();
    try {
      const notify = (payload: string) =>
        queryDatabase(db.name, "SELECT pg_notify('channel_listener_spec', $1)", [payload]);
      await notify('before');
      await until(() => heard.includes('before'), { what: 'the first notification heard' });

      // As a database restart or a network cut would: its backend ends, its socket with it.
      await queryDatabase(
        db.name,
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND query = 'LISTEN channel_listener_spec'`,
      );
      await until(() => events.join() === 'lost,relistened', { what: 'lost, then listening again' });
      expect(listener.listening).toBe(true);
      await notify('after');
      await until(() => heard.includes('after'), { what: 'a notification after the loss heard' });
    } finally {
      await listener.stop();
    }
    expect(listener.listening).toBe(false);
  });
});
