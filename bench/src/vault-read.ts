import { cryptoReady, generatePrincipalKeys, VaultClient } from '@hearth/contracts';
import { createTestDatabase, freePort, startNats, startService } from '@hearth/testkit';
import { connect } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { compareSides, withCleanup } from './compare.js';
import { fixed } from './report.js';

const PATH = 'hearth/bench';
const BASELINE_SUBJECT = 'bench.baseline.secret.read';
const vaultEntry = fileURLToPath(new URL('../../services/vault/dist/main.js', import.meta.url));
const baselineEntry = fileURLToPath(new URL('./vault-read-baseline.js', import.meta.url));

/**
 * Signed, sealed, audited reads against the real vault process — every read's event committed
 * before its reply — beside a hand-written NATS → pg select → decrypt → outbox insert + commit →
 * reply responder, both measured in the same run.
 */
export async function runVaultRead(): Promise<void> {
  console.log(
    `vault-read: audited secret reads over NATS, hearth vs. minimal baseline` +
      ` (${availableParallelism()} cores, load average ${fixed(loadavg()[0]!, 2)} before start)`,
  );
  await cryptoReady();
  await withCleanup(async (cleanup) => {
    const nats = await startNats();
    cleanup.push(() => nats.stop());
    const vaultDb = await createTestDatabase('hearth_bench');
    cleanup.push(() => vaultDb.drop());
    const baselineDb = await createTestDatabase('hearth_bench');
    cleanup.push(() => baselineDb.drop());
    const value = randomBytes(24).toString('base64url');

    const rootKeys = generatePrincipalKeys();
    const vault = await startService(
      vaultEntry,
      {
        NATS_URL: nats.url,
        VAULT_DATABASE: vaultDb.name,
        VAULT_PORT: String(await freePort()),
        VAULT_KEKS: `k1:${randomBytes(32).toString('base64')}`,
        VAULT_ACTIVE_KEK: 'k1',
        VAULT_ROOT_PUBLIC_KEY: rootKeys.publicKey,
        LOG_LEVEL: 'info',
      },
      'vault ready',
    );
    cleanup.push(() => vault.kill());
    const baseline = await startService(
      baselineEntry,
      {
        BENCH_NATS_URL: nats.url,
        BENCH_DATABASE: baselineDb.name,
        BENCH_SUBJECT: BASELINE_SUBJECT,
        BENCH_PATH: PATH,
        BENCH_VALUE: value,
      },
      'baseline ready',
    );
    cleanup.push(() => baseline.kill());

    const nc = await connect({ servers: nats.url, noAsyncTraces: true });
    cleanup.push(() => nc.close());
    const root = new VaultClient(nc, 'root', rootKeys);
    await root.write({ path: PATH, values: { POSTGRES_PASSWORD: value } });
    const readerKeys = generatePrincipalKeys();
    await root.createPrincipal('bench-reader', readerKeys.publicKey);
    await root.grant('bench-reader', { pattern: 'hearth/*', capabilities: ['read'] });
    const reader = new VaultClient(nc, 'bench-reader', readerKeys);

    await compareSides({
      title: 'audited secret read over NATS',
      requests: {
        hearth: async () => {
          const read = await reader.read(PATH);
          if (read.values.POSTGRES_PASSWORD !== value) throw new Error('hearth: wrong value');
        },
        baseline: async () => {
          const reply = await nc.request(BASELINE_SUBJECT, JSON.stringify({ path: PATH }), { timeout: 5_000 });
          if (reply.json<{ POSTGRES_PASSWORD?: string }>().POSTGRES_PASSWORD !== value)
            throw new Error(`baseline: ${reply.string()}`);
        },
      },
      targets: { p50RatioAt1: 2, throughputRatioAt64: 0.6 },
    });
  });
}
