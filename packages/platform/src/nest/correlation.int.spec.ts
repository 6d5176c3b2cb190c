import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ConsoleClient,
  CorrelationHeader,
  cryptoReady,
  generatePrincipalKeys,
  Subjects,
  VaultClient,
  VaultSubjects,
} from '@hearth/contracts';
import {
  createTestDatabase,
  freePort,
  generateServiceKeys,
  pgEnv,
  startNats,
  type TestDatabase,
  type TestNats,
} from '@hearth/testkit';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { Controller, Get } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { correlation, createLogger } from '../logging/logger.js';
import { nestModuleOf } from './module.js';
import { serveNest } from './serve.js';
import { openDatabase } from '../postgres/database.js';
import { EventStore } from '../postgres/event-store.js';
import { TypeOrmUnitOfWork } from '../postgres/unit-of-work.js';
import { connectNats } from '../nats/connection.js';

const PROBE = 'probe.record';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const lines: Array<Record<string, unknown>> = [];
const logger = createLogger({
  service: 'probe',
  destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
});
const store = new EventStore();
/** The probe answers for the console, signed as the console: ConsoleClient takes nothing else. */
const busKeys = generateServiceKeys();
let uow: TypeOrmUnitOfWork;

/** An endpoint that does what a use case does: logs a line and appends an event stamped with the correlation. */
@Controller()
class Probe {
  @MessagePattern(PROBE)
  async record(@Payload() body: { stream: string }) {
    logger.info({ stream: body.stream }, 'probe recording');
    await uow.run((tx) =>
      store.append(tx, body.stream, 0, [
        {
          id: randomUUID(),
          type: 'ProbedV1',
          data: {},
          metadata: {
            actor: 'probe',
            correlation_id: correlation.getStore() ?? 'none entered',
            causation_id: null,
            trace_id: null,
            occurred_at: new Date().toISOString(),
          },
        },
      ]),
    );
    return { ok: true };
  }
}

/** Stands in for the console and the vault: only what reaches them matters here. */
@Controller()
class HeaderEcho {
  static seen: Array<string | undefined> = [];

  @MessagePattern(Subjects.deploymentGet)
  deployment() {
    HeaderEcho.seen.push(correlation.getStore());
    return null;
  }

  @MessagePattern(VaultSubjects.list)
  list() {
    HeaderEcho.seen.push(correlation.getStore());
    return [];
  }
}

/** The HTTP edge, for comparison: the same header, read the same way. */
@Controller('probe')
class HttpProbe {
  @Get()
  get() {
    return { correlation: correlation.getStore() };
  }
}

describe('a request’s correlation', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let dataSource: DataSource;
  let nc: NatsConnection;
  let httpUrl: string;
  const shutdown: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    nats = await startNats();
    db = await createTestDatabase('hearth_platform');
    dataSource = await openDatabase(pgEnv, { database: db.name, migrations: [], applicationName: 'test' });
    uow = new TypeOrmUnitOfWork(dataSource);
    nc = await connectNats(nats.url, 'test');
    await serveNest({
      module: nestModuleOf([Probe, HeaderEcho], {}),
      runtime: { nc, logger, onShutdown: (step) => shutdown.push(step) },
      service: {
        name: 'probe',
        version: '0.0.1',
        description: 'correlation probe',
        queue: 'probe',
        replySigner: busKeys.signer('console'),
      },
    });
    const port = await freePort();
    httpUrl = `http://127.0.0.1:${port}/probe`;
    await serveNest({
      module: nestModuleOf([HttpProbe], {}),
      runtime: { nc, logger, onShutdown: (step) => shutdown.push(step) },
      service: { name: 'probe-http', version: '0.0.1', description: 'correlation probe', queue: 'probe-http' },
      http: { port, host: '127.0.0.1' },
    });
  });
  afterAll(async () => {
    for (const step of shutdown.reverse()) await step();
    await nc?.close();
    await dataSource?.destroy();
    await db?.drop();
    await nats?.stop();
  });

  /** Sends one probe request (with `correlationId` in its header, if given); answers what it left behind. */
  const probe = async (correlationId?: string) => {
    const stream = `probe-${randomUUID()}`;
    const headers = natsHeaders();
    if (correlationId !== undefined) headers.set(CorrelationHeader, correlationId);
    await nc.request(PROBE, JSON.stringify({ stream }), { timeout: 5_000, headers });
    const line = lines.find((l) => l.msg === 'probe recording' && l.stream === stream);
    const [event] = await uow.run((tx) => store.readStream(tx, stream));
    return { logged: line?.correlation_id, stored: event?.metadata.correlation_id };
  };

  it('is the caller’s Hearth-Correlation-Id, on the endpoint’s log line and in the event it appends', async () => {
    expect(await probe('flow-42')).toEqual({ logged: 'flow-42', stored: 'flow-42' });
  });

  it('is a fresh one per request when the caller sends none, the same on the log line and the event', async () => {
    const first = await probe();
    const second = await probe();
    expect(first.logged).toMatch(UUID);
    expect(first.stored).toBe(first.logged);
    expect(second.stored).toBe(second.logged);
    expect(second.logged).not.toBe(first.logged);
  });

  it('is a fresh one when the caller’s is no plausible id (too long, not a word, a forged log line)', async () => {
    for (const sent of ['x'.repeat(129), 'x'.repeat(60_000), 'two words', 'ok\u001b[2J', '']) {
      const { logged, stored } = await probe(sent);
      expect(logged).toMatch(UUID);
      expect(stored).toBe(logged);
    }
  });

  it('is sent by ConsoleClient and VaultClient when they have one, and not otherwise', async () => {
    await cryptoReady();
    HeaderEcho.seen = [];
    const keys = generatePrincipalKeys();
    let current: string | undefined = 'client-flow-1';
    const correlationId = () => current;
    await new ConsoleClient(nc, busKeys.verifier(), { correlationId }).getWorkspaceDeployment('acme');
    // Signed per request: the echo stands in for the vault's list endpoint alone, with no session to open.
    await new VaultClient(nc, 'probe', keys, { correlationId, sessions: false }).list();
    current = undefined;
    await new ConsoleClient(nc, busKeys.verifier(), { correlationId }).getWorkspaceDeployment('acme');
    await new VaultClient(nc, 'probe', keys, { sessions: false }).list();

    expect(HeaderEcho.seen).toEqual([
      'client-flow-1',
      'client-flow-1',
      expect.stringMatching(UUID), // none sent: the callee made its own
      expect.stringMatching(UUID),
    ]);
  });

  it('over HTTP is read from the same header (or the older x-correlation-id), else made fresh', async () => {
    const seen = async (headers: Record<string, string>) =>
      ((await (await fetch(httpUrl, { headers })).json()) as { correlation: string }).correlation;
    expect(await seen({ [CorrelationHeader]: 'web-7' })).toBe('web-7');
    expect(await seen({ 'x-correlation-id': 'legacy-1' })).toBe('legacy-1');
    expect(await seen({})).toMatch(UUID);
  });
});
