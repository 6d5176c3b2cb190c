import { cryptoReady, generatePrincipalKeys, VaultClient } from '@hearth/contracts';
import { createTestDatabase, startNats, startService, startVaultProcess } from '@hearth/testkit';
import { connect } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { compareSides, withCleanup } from './compare.js';
import { natsServerCpu, postgresCpu, processCpu } from './cpu.js';
import { fixed } from './report.js';

const PATH = 'hearth/bench';
const BASELINE_SUBJECT = 'bench.baseline.secret.read';
const baselineEntry = fileURLToPath(new URL('./vault-read-baseline.js', import.meta.url));

/**
 * Audited reads against the real vault process — every read's event committed before its reply —
 * signed per request and in a session, beside a hand-written NATS → pg select → decrypt → outbox
 * insert + commit → reply responder, all measured in the same run, with the CPU each read costs the
 * server process, Postgres and the callers. `BENCH_CPU_PROF_DIR=<dir>` runs the vault with
 * `--cpu-prof` into that directory.
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
    const baselineDb = await createTestDatabase('hearth_bench');
    cleanup.push(() => baselineDb.drop());
    const value = randomBytes(24).toString('base64url');

    const profileDir = process.env.BENCH_CPU_PROF_DIR;
    // At info: at debug, the vault's log lines would be measured along with its reads.
    const vault = await startVaultProcess(nats.url, {
      LOG_LEVEL: 'info',
      ...(profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {}),
    });
    cleanup.push(() => vault.stop());
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
    const root = new VaultClient(nc, 'root', vault.rootKeys, { vaultSealKey: vault.sealPublicKey });
    await root.write({ path: PATH, values: { POSTGRES_PASSWORD: value } });
    const readerKeys = generatePrincipalKeys();
    await root.createPrincipal('bench-reader', readerKeys.publicKey);
    await root.grant('bench-reader', { pattern: 'hearth/*', capabilities: ['read'] });
    const signed = new VaultClient(nc, 'bench-reader', readerKeys, { sessions: false });
    const inSession = new VaultClient(nc, 'bench-reader', readerKeys);
    await inSession.openSession();
    const hearthRead = (reader: VaultClient) => async () => {
      const read = await reader.read(PATH);
      if (read.values.POSTGRES_PASSWORD !== value) throw new Error('hearth: wrong value');
    };

    // The server's own process, the Postgres backends serving its database, every Postgres process
    // (others' too, on a shared server: read it beside the backends), the bench's nats-server, and
    // this process, the callers.
    const cpuOf = (server: number, database: string) => [
      processCpu('server', server),
      postgresCpu('pg backends', database),
      postgresCpu('pg all'),
      natsServerCpu('nats', nats.url),
      processCpu('client', process.pid),
    ];
    const vaultCpu = cpuOf(vault.process.pid, vault.db.name);
    await compareSides({
      title: 'audited secret read over NATS',
      baseline: {
        request: async () => {
          const reply = await nc.request(BASELINE_SUBJECT, JSON.stringify({ path: PATH }), { timeout: 5_000 });
          if (reply.json<{ POSTGRES_PASSWORD?: string }>().POSTGRES_PASSWORD !== value)
            throw new Error(`baseline: ${reply.string()}`);
        },
        cpu: cpuOf(baseline.pid, baselineDb.name),
      },
      sides: [
        // One signature per request, verified by the vault, and the reply sealed to the caller's key.
        { name: 'signed', request: hearthRead(signed), cpu: vaultCpu, targets: { throughputRatioAt64: 0.6 } },
        // One signed handshake, then each request MACed and the value sealed with the session's key.
        {
          name: 'session',
          request: hearthRead(inSession),
          cpu: vaultCpu,
          targets: { p50RatioAt1: 1.3, throughputRatioAt64: 1.0 },
        },
      ],
    });
  });
}
