import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { FastPath } from '@hearth/platform/postgres';
import { pgEnv, queryDatabase, startService, until } from '@hearth/testkit';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { composeRewrap } from '../../compose.js';
import { EnvelopeCipher, KeyRing } from '../../infra/crypto/envelope-cipher.js';
import { pendingSealed, SecretStore } from '../../infra/postgres/secret-store.js';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';
import type { Rewrap } from './rewrap.js';

const entry = fileURLToPath(new URL('../../../dist/rewrap.js', import.meta.url));
const b64 = (key: Buffer) => key.toString('base64');

describe('rewrap to a new KEK', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  const keks = `k1:${b64(k1)},k2:${b64(k2)}`;
  const toK2 = KeyRing.parse({ keks, activeKek: 'k2' });
  const onlyK2 = new EnvelopeCipher(KeyRing.parse({ keks: `k2:${b64(k2)}`, activeKek: 'k2' }));
  let h: VaultHarness;
  let rewrap: Rewrap;
  let secrets: SecretStore;

  // The vault holds both KEKs, as it does from the moment k2 is added, but still seals with k1: what
  // the test writes leaves DEKs to move, and the vault reads a version whichever KEK wraps it.
  beforeEach(async () => {
    h = await startVaultHarness({ VAULT_KEKS: keks, VAULT_ACTIVE_KEK: 'k1' });
    const { dataSource } = h.vault.runtime;
    secrets = new SecretStore(dataSource, new FastPath(dataSource));
    rewrap = composeRewrap(dataSource, toK2);
  });
  afterEach(() => h?.close());

  const path = (n: number) => `hearth/rw-${String(n).padStart(2, '0')}`;
  const value = (n: number) => `value-${n}`;
  const writeSecrets = async (count: number) => {
    for (let n = 0; n < count; n++) await h.root.write({ path: path(n), values: { K: value(n) } });
  };
  /** How many versions each KEK wraps. */
  const kekCounts = async () =>
    Object.fromEntries(
      (
        await queryDatabase<{ kek_id: string; n: number }>(
          h.db.name,
          'SELECT kek_id, count(*)::int AS n FROM secret_versions GROUP BY kek_id',
        )
      ).map((r) => [r.kek_id, r.n]),
    );
  /** Every secret opens with k2 alone: k1 could be dropped. */
  const expectAllUnderK2 = async (count: number) => {
    expect(await kekCounts()).toEqual({ k2: count });
    for (let n = 0; n < count; n++) {
      const stored = await secrets.findForRead(path(n), undefined);
      const opened = onlyK2.open(stored!.sealed!, { path: path(n), version: stored!.version });
      expect(Buffer.from(opened).toString()).toBe(JSON.stringify({ K: value(n) }));
    }
  };
  const expectAllReadable = async (count: number) => {
    for (let n = 0; n < count; n++) expect((await h.root.read(path(n))).values.K).toBe(value(n));
  };
  /** A transaction of its own holding `path`'s versions locked, as a write or destroy in flight does. */
  const lockVersions = async (locked: string) => {
    const client = new pg.Client({
      host: pgEnv.PGHOST,
      port: pgEnv.PGPORT,
      user: pgEnv.PGUSER,
      password: pgEnv.PGPASSWORD,
      database: h.db.name,
    });
    await client.connect();
    await client.query('BEGIN');
    const { rowCount } = await client.query('SELECT 1 FROM secret_versions WHERE path = $1 FOR UPDATE', [locked]);
    expect(rowCount).toBeGreaterThan(0);
    return async () => {
      await client.query('ROLLBACK');
      await client.end();
    };
  };

  it('moves every DEK, resuming where a run that failed mid-way stopped', async () => {
    await writeSecrets(7);
    // Thrown out after its first batch of two: that batch stays committed, the rest waits.
    await expect(
      rewrap.run({
        batchSize: 2,
        onBatch: () => {
          throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    expect(await kekCounts()).toEqual({ k1: 5, k2: 2 });

    expect(await rewrap.run({ batchSize: 2 })).toEqual({ moved: 5, remaining: 0 });
    await expectAllUnderK2(7);
  });

  it("moves a pending rotation value's DEK too, so that it still opens once the old KEK is retired", async () => {
    const { client: driver } = await h.principal('driver', [{ pattern: 'hearth/*', capabilities: ['write'] }]);
    const sidecar = 'hearth/acme/db';
    await driver.write({
      path: sidecar,
      provider: 'AUTO_MANAGED',
      type: 'postgres',
      values: { host: 'acme-db', username: 'postgres', password: 'generated-first' },
    });
    expect(await h.root.rotateCredential(sidecar)).toMatchObject({ state: 'pending', version: 2 });

    expect(await rewrap.run({ batchSize: 1 })).toEqual({ moved: 2, remaining: 0 });
    const [row] = await queryDatabase<{ pending_value: Record<string, string> }>(
      h.db.name,
      'SELECT pending_value FROM secrets WHERE path = $1',
      [sidecar],
    );
    const pending = pendingSealed(row?.pending_value ?? null);
    expect(pending?.kekId).toBe('k2');
    const opened = JSON.parse(Buffer.from(onlyK2.open(pending!, { path: sidecar, version: 2 })).toString()) as {
      password: string;
    };
    const [work] = await driver.claimCredentialWork();
    expect(driver.openCredentialWork(work!).pending).toEqual(opened);
  });

  it('does not claim completion while a concurrent transaction holds a version locked, and moves it once released', async () => {
    await writeSecrets(7);
    const release = await lockVersions(path(3));
    let outcome: unknown = null;
    const running = rewrap.run({ batchSize: 2, pauseMs: 20 }).then((o) => (outcome = o));
    try {
      await until(async () => (await kekCounts()).k2 === 6, { what: 'six DEKs moved' });
      // Well past the short batch that passed the locked row over: still waiting, not done (an
      // absence, so a wait; it can only let a bug pass on a slow machine, never fail a correct run).
      await sleep(500);
      expect(outcome).toBeNull();
      expect(await kekCounts()).toEqual({ k1: 1, k2: 6 });
    } finally {
      await release();
    }
    await running;
    expect(outcome).toEqual({ moved: 7, remaining: 0 });
    await expectAllUnderK2(7);
  });

  it('reports the versions it could not lock within its wait as remaining', async () => {
    await writeSecrets(7);
    const release = await lockVersions(path(3));
    try {
      expect(await rewrap.run({ batchSize: 2, maxWaitMs: 200, pauseMs: 50 })).toEqual({ moved: 6, remaining: 1 });
      expect(await kekCounts()).toEqual({ k1: 1, k2: 6 });
    } finally {
      await release();
    }
    expect(await rewrap.run({ batchSize: 2 })).toEqual({ moved: 1, remaining: 0 });
  });

  it('serves reads that run alongside it, each with the right value', async () => {
    const count = 20;
    // Two versions a path, so old versions move too while the current ones are read.
    await writeSecrets(count);
    await writeSecrets(count);
    // A version held locked keeps the rewrap running until the last read is answered, whatever the timing.
    const release = await lockVersions(path(count - 1));
    let outcome: unknown = null;
    const running = rewrap.run({ batchSize: 1, pauseMs: 20 }).then((o) => (outcome = o));
    const reads: Array<{ n: number; got: string | undefined }> = [];
    try {
      await Promise.all(
        [0, 1, 2, 3].map(async (worker) => {
          for (let i = worker; i < 200; i += 4) {
            const n = i % count;
            reads.push({ n, got: (await h.root.read(path(n))).values.K });
          }
        }),
      );
      expect(outcome).toBeNull();
    } finally {
      await release();
    }
    await running;

    expect(reads).toHaveLength(200);
    expect(reads.filter((r) => r.got !== value(r.n))).toEqual([]);
    expect(outcome).toEqual({ moved: 2 * count, remaining: 0 });
    expect(await kekCounts()).toEqual({ k2: 2 * count });
  });

  it('as a process: killed with SIGKILL mid-way and run again, every DEK ends under the new KEK', async () => {
    const count = 30;
    await writeSecrets(count);
    const env = {
      VAULT_DATABASE: h.db.name,
      VAULT_KEKS: keks,
      VAULT_ACTIVE_KEK: 'k2',
      VAULT_REWRAP_BATCH: '2',
      LOG_LEVEL: 'info',
    };
    // One version held locked, so the first run cannot be done when it is killed.
    const release = await lockVersions(path(count - 1));
    try {
      const first = await startService(entry, { ...env, VAULT_REWRAP_WAIT_SECONDS: '60' }, 'rewrapped');
      await first.kill('SIGKILL');
      // Its backend ends (committing or rolling back what it was sent) only once Postgres sees the socket close.
      await until(
        async () =>
          (
            await queryDatabase(
              h.db.name,
              "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'hearth-vault-rewrap'",
              [h.db.name],
            )
          ).length === 0,
        { what: "the killed rewrap's backend gone" },
      );
      const afterKill = await kekCounts();
      expect(afterKill.k2).toBeGreaterThanOrEqual(2);
      expect(afterKill.k1).toBeGreaterThanOrEqual(1);
      await expectAllReadable(count);

      // Still locked past its wait: it moves the rest, says one remains, and exits non-zero.
      const second = await runToExit({ ...env, VAULT_REWRAP_WAIT_SECONDS: '0.5' });
      expect(second.code).toBe(1);
      expect(second.lines).toContainEqual(expect.objectContaining({ remaining: 1, moved: afterKill.k1! - 1 }));
      expect(second.lines.some((l) => l.msg === 'every DEK is wrapped by the active KEK')).toBe(false);
    } finally {
      await release();
    }

    const third = await runToExit({ ...env, VAULT_REWRAP_WAIT_SECONDS: '60' });
    expect(third.code).toBe(0);
    expect(third.lines).toContainEqual(
      expect.objectContaining({ msg: 'every DEK is wrapped by the active KEK', moved: 1, remaining: 0 }),
    );
    await expectAllUnderK2(count);
    await expectAllReadable(count);
  });
});

/** Runs the built rewrap to its end: its exit code and its JSON log lines. */
async function runToExit(
  env: Record<string, string>,
): Promise<{ code: number | null; lines: Array<Record<string, unknown>> }> {
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines = out
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, lines };
}
