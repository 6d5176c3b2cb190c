import { DriverEvent, ErrorCode, HearthError, type DeploymentRequest, type OperatorRole } from '@hearth/contracts';
import { TypeOrmUnitOfWork } from '@hearth/platform/postgres';
import {
  createHatchStream,
  createTestDatabase,
  eventsSince,
  freePort,
  sharedServiceKeys,
  startNats,
  type TestDatabase,
  type TestNats,
} from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { randomBytes, randomUUID } from 'node:crypto';
import { startConsole, type ConsoleApp, type ConsoleOptions } from '../console.app.js';
import { ConsoleEnv } from '../config.js';
import type { OperatorToken } from '../domain/operator/operator.js';

/** One caller of each role, as the bearer-token guard hands them to the use cases. */
export const callers: Record<OperatorRole, OperatorToken> = {
  admin: { id: randomUUID(), name: 'test-admin', role: 'admin', createdBy: 'test' },
  operator: { id: randomUUID(), name: 'test-operator', role: 'operator', createdBy: 'test' },
  auditor: { id: randomUUID(), name: 'test-auditor', role: 'auditor', createdBy: 'test' },
};

/** A request for one Postgres sidecar. */
export const deploymentRequest = (slug: string): DeploymentRequest => ({
  slug,
  tier: 'dev',
  driver: 'localdocker',
  sidecars: [{ name: 'postgres', image: 'postgres:16' }],
});

/** What a driver answers to the command a deployment waits on. */
export type DriverAnswer = 'start' | 'ready' | 'fail' | 'gone';

export interface ConsoleHarness extends ConsoleApp {
  nats: TestNats;
  db: TestDatabase;
  /** The HTTP edge, when the harness serves it. */
  url: string;
  /** The bootstrap admin's bearer token. */
  adminToken: string;
  /**
   * Puts `workspace` in the tenancy tree, in team `test-team` of org `test-org` unless told otherwise
   * (made if missing; what exists is kept), as a deployment of it needs.
   */
  registerWorkspace(workspace: string, place?: { team?: string; org?: string }): Promise<void>;
  /** The driver command a deployment waits on, as its latest request, retry, restart or teardown named it. */
  pendingCommand(slug: string): Promise<string>;
  /** A driver event as it arrives off the bus, answering the command `slug` waits on. */
  driverAnswer(answer: DriverAnswer, slug: string): Promise<DriverEvent>;
  /** That answer, recorded as the driver-events worker records it (in a transaction of its own). */
  recordAnswer(answer: DriverAnswer, slug: string): Promise<void>;
  /** A DRIVER_EVENTS sequence later than every one given before, for an answer recorded by hand. */
  nextDriverSeq(): number;
  /**
   * Another console on the same database and NATS, as a second process would be (settings in `env`
   * override the harness's), with neither edges nor workers; closed with the harness.
   */
  replica(env?: Record<string, string>, options?: ConsoleOptions): Promise<ConsoleApp>;
  close(): Promise<void>;
}

/**
 * The console over a real database and a nats-server of the test's own, started as main starts it.
 * By default its edges are not served and its workers not started: a test turns on what it exercises.
 * `env` adds to or overrides its settings.
 */
export async function startConsoleHarness({
  env: settings = {},
  ...options
}: ConsoleOptions & { env?: Record<string, string> } = {}): Promise<ConsoleHarness> {
  const nats = await startNats();
  // HATCH is hatch's; the console waits for it, so the harness makes it as hatch would.
  const nc = await connect({ servers: nats.url });
  await createHatchStream(await jetstreamManager(nc));
  await nc.close();
  const db = await createTestDatabase('hearth_console');
  const port = await freePort();
  const adminToken = randomBytes(24).toString('base64url');
  const env = {
    ...process.env,
    NATS_URL: nats.url,
    LOG_LEVEL: 'silent',
    CONSOLE_DATABASE: db.name,
    CONSOLE_PORT: String(port),
    HEARTH_BOOTSTRAP_ADMIN_TOKEN: adminToken,
    ...sharedServiceKeys().env('console'),
    ...settings,
  };
  const config = ConsoleEnv.parse(env);
  const app = await startConsole(config, {
    serve: false,
    startWorkers: false,
    forceCloseConnections: true,
    ...options,
  });
  const replicas: ConsoleApp[] = [];
  const replica = async (overrides: Record<string, string> = {}, replicaOptions: ConsoleOptions = {}) => {
    const started = await startConsole(ConsoleEnv.parse({ ...env, ...overrides }), {
      serve: false,
      startWorkers: false,
      ...replicaOptions,
    });
    replicas.push(started);
    return started;
  };

  const pendingCommand = async (slug: string) => {
    const commands = [
      'DeploymentRequestedV1',
      'DeploymentRetriedV1',
      'DeploymentRestartRequestedV1',
      'DeploymentDeprovisionRequestedV1',
    ];
    const events = await eventsSince(db.name, 0n, { stream: `deployment-${slug}` });
    return events.filter((e) => commands.includes(e.type)).at(-1)!.data.command_id as string;
  };
  const driverAnswer = async (answer: DriverAnswer, slug: string) => {
    const command_id = await pendingCommand(slug);
    const id = randomUUID();
    const body = {
      start: { type: 'ProvisioningStartedV1', data: { slug, command_id } },
      ready: {
        type: 'SidecarsProvisionedV1',
        data: { slug, command_id, endpoint: `postgres://hearth-${slug}-postgres:5432/postgres` },
      },
      fail: { type: 'ProvisioningFailedV1', data: { slug, command_id, reason: 'image not found' } },
      gone: { type: 'SidecarsDeprovisionedV1', data: { slug, command_id } },
    }[answer];
    return DriverEvent.parse({
      ...body,
      id,
      stream: `driver-${slug}`,
      version: 1,
      metadata: {
        actor: 'driver:localdocker',
        correlation_id: id,
        causation_id: command_id,
        trace_id: null,
        occurred_at: new Date().toISOString(),
      },
    });
  };
  const unitOfWork = new TypeOrmUnitOfWork(app.runtime.dataSource);
  let driverSeq = 0;
  /** DRIVER_EVENTS sequences for answers recorded without the stream: each later than the one before. */
  const nextDriverSeq = () => ++driverSeq;
  const keepExisting = (error: unknown) => {
    if (!(error instanceof HearthError && error.code === ErrorCode.TenantExists)) throw error;
  };
  const registerWorkspace = async (workspace: string, { team = 'test-team', org = 'test-org' } = {}) => {
    const { createTenant } = app.useCases;
    await createTenant.org({ slug: org, display_name: org }, callers.admin).catch(keepExisting);
    await createTenant.team({ slug: team, display_name: team, org }, callers.admin).catch(keepExisting);
    await createTenant.workspace({ slug: workspace, display_name: workspace, team }, callers.admin).catch(keepExisting);
  };
  return {
    ...app,
    nats,
    db,
    url: `http://127.0.0.1:${port}`,
    adminToken,
    registerWorkspace,
    pendingCommand,
    driverAnswer,
    recordAnswer: async (answer, slug) => {
      const event = await driverAnswer(answer, slug);
      await unitOfWork.run((tx) => app.useCases.recordDriverEvent.run(event, nextDriverSeq(), tx));
    },
    nextDriverSeq,
    replica,
    close: async () => {
      for (const started of replicas) await started.runtime.shutdown();
      await app.runtime.shutdown();
      await db.drop();
      await nats.stop();
    },
  };
}
