import { cryptoReady, DeploymentRef, generatePrincipalKeys, VaultClient, type Status } from '@hearth/contracts';
import {
  docker,
  registerWorkspace,
  startConsoleProcess,
  startNats,
  startServiceProcess,
  startVaultProcess,
  type RunningConsole,
  type ServiceProcess,
} from '@hearth/testkit';
import { connect } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withCleanup, type Side } from './compare.js';
import { dockerOk, removeLabelled } from './engine.js';
import { measure, summarize, type Measurement } from './measure.js';
import { fixed, printTable, whole } from './report.js';

const IMAGE = 'hearth-test/postgres:15';
const RUNS = 5;
/** Target: hearth's p50 from POST to `ready`, less the bare docker sequence's p50, at most this. */
const TARGET_OVERHEAD_MS = 1_000;
/** The driver's readiness poll (services/driver-localdocker/src/driver.app.ts), used by the baseline too. */
const READINESS_POLL_MS = 100;
/** How often the bench asks the console whether the deployment is ready. */
const STATUS_POLL_MS = 20;
/** Any wait longer than this fails the run: the driver's own readiness timeout is 60 s. */
const TIMEOUT_MS = 90_000;
/**
 * The driver's catalog check for postgres (known-sidecars.ts) with the password from the env: a
 * password login over TCP to the container's own address, run inside it by `docker exec`.
 */
const BASELINE_CHECK =
  `PGPASSWORD="$POSTGRES_PASSWORD" PGCONNECT_TIMEOUT=3 ` +
  `psql -h "$(hostname -i | cut -d' ' -f1)" -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null`;

/**
 * Time from POST /v1/deployments to `ready` for one Postgres sidecar — console, vault and
 * driver-localdocker as processes on the real Docker engine — beside a bare network create, `docker
 * create`, start and the same readiness check of the same image, run after run in alternation.
 */
export async function runProvision(): Promise<void> {
  console.log(
    `provision: POST → ready of a Postgres sidecar, hearth vs. bare docker create + start` +
      ` (${availableParallelism()} cores, load average ${fixed(loadavg()[0]!, 2)} before start)`,
  );
  if ((await docker(['image', 'inspect', IMAGE])).status !== 0) {
    throw new Error(`image ${IMAGE} is missing: run scripts/build-test-images.sh`);
  }
  await cryptoReady();
  const instance = `bench-${randomBytes(4).toString('hex')}`;
  await withCleanup(async (cleanup) => {
    // Last to run: whatever the driver or the baseline left on the engine, found by label.
    cleanup.push(() => removeLabelled(`hearth.instance=${instance}`));
    cleanup.push(() => removeLabelled(`hearth.bench=${instance}`));
    const nats = await startNats();
    cleanup.push(() => nats.stop());
    const vault = await startVaultProcess(nats.url, { LOG_LEVEL: 'info' });
    cleanup.push(() => vault.stop());
    const hearthConsole = await startConsoleProcess(nats.url, { CONSOLE_ENGINES: instance });
    cleanup.push(() => hearthConsole.stop());

    // The driver's vault principal: writes, lists and destroys under hearth/, made by the root key.
    const nc = await connect({ servers: nats.url, noAsyncTraces: true });
    cleanup.push(() => nc.close());
    const root = new VaultClient(nc, 'root', vault.rootKeys, { vaultSealKey: vault.sealPublicKey });
    const driverKeys = generatePrincipalKeys();
    await root.createPrincipal('driver-localdocker', driverKeys.publicKey);
    await root.grant('driver-localdocker', { pattern: 'hearth/*', capabilities: ['write', 'list', 'destroy'] });
    const keyDir = await mkdtemp(join(tmpdir(), 'hearth-bench-driver-'));
    cleanup.push(() => rm(keyDir, { recursive: true, force: true }));
    const keyFile = join(keyDir, 'driver.json');
    await writeFile(keyFile, JSON.stringify({ name: 'driver-localdocker', ...driverKeys }), { mode: 0o600 });
    const driver = await startServiceProcess('driver-localdocker', nats.url, {
      DRIVER_VAULT_KEY_FILE: keyFile,
      VAULT_SEAL_PUBLIC_KEY: vault.sealPublicKey,
      DRIVER_INSTANCE: instance,
      DRIVER_RECONCILE_SECONDS: '0',
      LOG_LEVEL: 'info',
    });
    cleanup.push(() => driver.stop());

    const hearth = new HearthSide(hearthConsole, driver.process, instance);
    const baseline = new BaselineSide(instance);
    const sides: Record<Side, { provision(name: string): Promise<void>; remove(name: string): Promise<void> }> = {
      hearth,
      baseline,
    };
    const name = (n: number | string) => `${instance}-${n}`;
    console.log(
      `readiness: both sides poll the same check by docker exec every ${READINESS_POLL_MS} ms` +
        ` (the driver's settleMs applies only to images without a catalog check, not to postgres)`,
    );
    console.log(`\nwarm-up: one untimed run per side, then ${RUNS} timed runs per side, alternating`);
    for (const side of ['hearth', 'baseline'] as const) {
      await sides[side].provision(name(`warm-${side.slice(0, 1)}`));
      await sides[side].remove(name(`warm-${side.slice(0, 1)}`));
    }

    const runs: Record<Side, Measurement[]> = { hearth: [], baseline: [] };
    for (let n = 1; n <= RUNS; n++) {
      for (const side of ['hearth', 'baseline'] as const) {
        const run = await measure(() => sides[side].provision(name(`${n}${side.slice(0, 1)}`)), {
          concurrency: 1,
          requests: 1,
        });
        runs[side].push(run);
        console.log(`  ${side.padEnd(8)} run ${n}  ${whole(msOf(run)).padStart(6)} ms`);
        await sides[side].remove(name(`${n}${side.slice(0, 1)}`));
      }
    }

    const p50 = (side: Side) => summarize(runs[side]).p50Ms;
    console.log(
      `\nready after: hearth from POST to \`ready\` (polled every ${STATUS_POLL_MS} ms),` +
        ` baseline from \`docker network create\` to its check passing`,
    );
    printTable(
      ['side', ...runs.hearth.map((_, i) => `run ${i + 1} ms`), 'p50 ms'],
      (['baseline', 'hearth'] as const).map((side) => [
        side === 'hearth' ? 'hearth (console → driver → vault)' : 'baseline (docker CLI)',
        ...runs[side].map((run) => whole(msOf(run))),
        whole(p50(side)),
      ]),
    );

    const overhead = p50('hearth') - p50('baseline');
    console.log('\ntargets (hearth − baseline)');
    printTable(
      ['measure', 'overhead ms', 'ratio', 'target', 'verdict'],
      [
        [
          'p50 POST → ready',
          whole(overhead),
          fixed(p50('hearth') / p50('baseline'), 2),
          `≤ ${whole(TARGET_OVERHEAD_MS)} ms`,
          overhead <= TARGET_OVERHEAD_MS ? 'PASS' : 'MISS',
        ],
      ],
    );
  });
}

const msOf = (run: Measurement) => Number(run.latenciesNs[0]!) / 1e6;

/** The console's HTTP API as an operator uses it, and the driver's containers by label. */
class HearthSide {
  constructor(
    private readonly console: RunningConsole,
    private readonly driver: ServiceProcess,
    private readonly instance: string,
  ) {}

  /** POST, then the deployment's status every 20 ms until `ready`. */
  async provision(slug: string): Promise<void> {
    await registerWorkspace(this.console.url, this.console.adminToken, slug);
    await this.call('POST', '/v1/deployments', 201, {
      slug,
      tier: 'dev',
      driver: 'localdocker',
      sidecars: [{ name: 'postgres', image: IMAGE }],
    });
    await this.until(slug, 'ready');
  }

  /** DELETE, then until `deprovisioned` and nothing of it left on the engine. */
  async remove(slug: string): Promise<void> {
    await this.call('DELETE', `/v1/deployments/${slug}`, 202);
    await this.until(slug, 'deprovisioned');
    const filters = ['--filter', `label=hearth.instance=${this.instance}`, '--filter', `label=hearth.slug=${slug}`];
    const left = [await dockerOk(['ps', '-aq', ...filters]), await dockerOk(['network', 'ls', '-q', ...filters])];
    if (left.some(Boolean)) throw new Error(`${slug} is deprovisioned, yet its containers or network remain`);
  }

  private async until(slug: string, wanted: Status): Promise<void> {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const ref = DeploymentRef.parse(await this.call('GET', `/v1/deployments/${slug}`, 200));
      if (ref.last_status === wanted) return;
      if (ref.last_status === 'failed') {
        const said = this.driver.output.filter((line) => line.includes(slug)).slice(-5);
        throw new Error(`${slug} failed; the driver said:\n${said.join('\n')}`);
      }
      if (Date.now() > deadline)
        throw new Error(`${slug} is ${ref.last_status}, not ${wanted}, after ${TIMEOUT_MS} ms`);
      await sleep(STATUS_POLL_MS);
    }
  }

  private async call(method: string, path: string, expected: number, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.console.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.console.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (response.status !== expected) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text);
  }
}

/**
 * The hand-written minimum by the docker CLI: an internal network (the driver's kind), the image
 * created on it with POSTGRES_PASSWORD in its env, started, and the driver's check run by `docker
 * exec` every 100 ms until it passes. No vault, no labels beyond the bench's own, no limits.
 */
class BaselineSide {
  constructor(private readonly instance: string) {}

  async provision(name: string): Promise<void> {
    const label = `hearth.bench=${this.instance}`;
    const password = randomBytes(24).toString('base64url');
    await dockerOk([
      'network',
      'create',
      '--internal',
      '-o',
      'com.docker.network.bridge.inhibit_ipv4=true',
      '--label',
      label,
      name,
    ]);
    await dockerOk([
      'create',
      '--name',
      name,
      '--network',
      name,
      '--label',
      label,
      '-e',
      `POSTGRES_PASSWORD=${password}`,
      IMAGE,
    ]);
    await dockerOk(['start', name]);
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      if ((await docker(['exec', name, 'sh', '-c', BASELINE_CHECK])).status === 0) return;
      // The driver looks at the container's state on each round too; here it overlaps the pause.
      const [state] = await Promise.all([
        dockerOk(['inspect', '-f', '{{.State.Running}} {{.State.Restarting}} {{.State.ExitCode}}', name]),
        sleep(READINESS_POLL_MS),
      ]);
      if (!state.startsWith('true false')) throw new Error(`baseline container ${name} stopped: ${state}`);
      if (Date.now() > deadline) throw new Error(`baseline container ${name} not ready after ${TIMEOUT_MS} ms`);
    }
  }

  async remove(name: string): Promise<void> {
    await dockerOk(['rm', '-fv', name]);
    await dockerOk(['network', 'rm', name]);
  }
}
