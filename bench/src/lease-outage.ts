import { cryptoReady, generatePrincipalKeys, VaultClient } from '@hearth/contracts';
import { until } from '@hearth/testkit';
import { availableParallelism, loadavg } from 'node:os';
import pg from 'pg';
import { withCleanup } from './compare.js';
import { measure, summarize, type Measurement } from './measure.js';
import { startLeaseBench } from './lease-stack.js';
import { fixed, printTable, whole } from './report.js';

const LEASES = 1_000;
const OUTAGE_MS = 60_000;
const TTL_SECONDS = 20;
const READERS = 8;

/**
 * The target database down for 60 s while 1,000 leases expire: the vault's audited secret reads are
 * measured before (the same run's baseline) and during the outage, and once the database is back the
 * time until every lease is revoked — none irrevocable, no leased user left in pg_roles.
 */
export async function runLeaseOutage(): Promise<void> {
  console.log(
    `lease-outage: ${LEASES} leases expiring while their database is down ${OUTAGE_MS / 1000} s` +
      ` (${availableParallelism()} cores, load average ${fixed(loadavg()[0]!, 2)} before start)`,
  );
  await cryptoReady();
  await withCleanup(async (cleanup) => {
    const { cluster, nc, root } = await startLeaseBench(cleanup, 'outage');
    await root.write({ path: 'hearth/bench/outage', values: { TOKEN: 'read-during-the-outage' } });
    const readerKeys = generatePrincipalKeys();
    await root.createPrincipal('bench-reader', readerKeys.publicKey);
    await root.grant('bench-reader', { pattern: 'hearth/*', capabilities: ['read'] });
    const reader = new VaultClient(nc, 'bench-reader', readerKeys);
    const read = async () => {
      if ((await reader.read('hearth/bench/outage')).values.TOKEN !== 'read-during-the-outage') {
        throw new Error('wrong value');
      }
    };

    await measure(read, { concurrency: READERS, requests: 2_000 });
    const before = await measure(read, { concurrency: READERS, durationMs: 20_000 });

    let issued = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (issued < LEASES) {
          issued++;
          await root.issueLease('outage', TTL_SECONDS);
        }
      }),
    );
    console.log(`issued ${LEASES} leases of ${TTL_SECONDS} s; stopping their database for ${OUTAGE_MS / 1000} s`);
    await cluster.pause();
    const outageStart = Date.now();
    const during: Measurement[] = [];
    while (Date.now() - outageStart < OUTAGE_MS - 5_000) {
      during.push(await measure(read, { concurrency: READERS, durationMs: 5_000 }));
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - outageStart))));
    const expiredDuringOutage = (await root.leases({ role: 'outage', state: 'active', limit: 1000 })).filter(
      (lease) => Date.parse(lease.expires_at) < Date.now(),
    ).length;
    await cluster.resume();
    const back = Date.now();
    await until(async () => (await root.leases({ role: 'outage', state: 'active', limit: 1000 })).length === 0, {
      timeoutMs: 600_000,
      intervalMs: 500,
      what: 'every lease revoked',
    });
    const revokedAfterMs = Date.now() - back;
    const irrevocable = (await root.leases({ role: 'outage', state: 'irrevocable', limit: 1000 })).length;
    const revoked = (await root.leases({ role: 'outage', state: 'revoked', limit: 1000 })).length;
    const admin = new pg.Client({
      host: cluster.host,
      port: cluster.port,
      user: cluster.user,
      password: cluster.password,
      database: 'postgres',
    });
    await admin.connect();
    const left = (
      await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE 'v\\_outage\\_%'")
    ).rows[0]!.n;
    await admin.end();

    const b = summarize([before]);
    const d = summarize(during);
    console.log(`\naudited secret reads, ${READERS} callers`);
    printTable(
      ['when', 'reads', 'p50 ms', 'p99 ms', 'req/s'],
      [
        ['database up', whole(b.requests), fixed(b.p50Ms, 3), fixed(b.p99Ms, 3), whole(b.perSecond)],
        ['database down', whole(d.requests), fixed(d.p50Ms, 3), fixed(d.p99Ms, 3), whole(d.perSecond)],
      ],
    );
    console.log('\nonce the database is back');
    printTable(
      ['measure', 'value', 'target', 'verdict'],
      [
        [
          'leases expired during the outage',
          String(expiredDuringOutage),
          String(LEASES),
          expiredDuringOutage === LEASES ? 'PASS' : 'MISS',
        ],
        ['revoked', String(revoked), String(LEASES), revoked === LEASES ? 'PASS' : 'MISS'],
        ['irrevocable', String(irrevocable), '0', irrevocable === 0 ? 'PASS' : 'MISS'],
        ['leased users left in pg_roles', String(left), '0', left === 0 ? 'PASS' : 'MISS'],
        ['seconds until all revoked', fixed(revokedAfterMs / 1000, 1), '-', '-'],
        [
          'read p99 down / up',
          fixed(d.p99Ms / b.p99Ms, 2),
          '≤ 1.2 (noise)',
          d.p99Ms / b.p99Ms <= 1.2 ? 'PASS' : 'MISS',
        ],
      ],
    );
  });
}
