import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HatchStream, ParkedMessage, Streams, Subjects, type ParkReason } from '@hearth/contracts';
import {
  type DriverStack,
  freshMetadata,
  queryDatabase,
  registerWorkspace,
  runCli,
  type RunningHatch,
  SECRET_READ_SUBJECT,
  secretReadFixture,
  startDriverStack,
  startHatchProcess,
  until,
} from '@hearth/testkit';
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const POSTGRES_IMAGE = 'hearth-test/postgres:15';

/** A line of `hearth parked --json`: a parked message and the service that parked it. */
const Listed = ParkedMessage.extend({ service: ParkedMessage.shape.consumer });

/**
 * Past every bound, and past what a btree index entry holds (~2,700 bytes) even compressed: random,
 * since Postgres compresses a long index value first and 6,000 of one letter would fit.
 */
const HUGE = randomBytes(4_500).toString('base64url');

const KINDS = ['oversized field', 'NUL in a field', 'huge message id', 'invalid JSON', 'unknown type'] as const;
type Kind = (typeof KINDS)[number];

/** One poison message as an attacker on the bus publishes it. */
interface Poison {
  kind: Kind;
  subject: string;
  body: string;
  msgId: string;
}

type Envelope = { type: string; metadata: Record<string, unknown> } & Record<string, unknown>;

/** The five kinds, made from one well-formed message of the consumer's own. */
function poisonsOf(subject: string, wellFormed: () => Envelope, unknownType: () => unknown): Poison[] {
  const as = (kind: Kind, body: unknown, msgId: string = randomUUID()): Poison => ({
    kind,
    subject,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    msgId,
  });
  const withMetadata = (metadata: Record<string, unknown>) => {
    const message = wellFormed();
    return { ...message, metadata: { ...message.metadata, ...metadata } };
  };
  return [
    as('oversized field', withMetadata({ actor: HUGE, correlation_id: 'c'.repeat(100_000) })),
    as('NUL in a field', withMetadata({ actor: 'svc\u0000nul', correlation_id: 'a\u0000b' })),
    as('huge message id', wellFormed(), HUGE),
    as('invalid JSON', '{"id": nope'),
    as('unknown type', unknownType()),
  ];
}

/**
 * Attack: one poison message of each kind to each consumer (hatch's ingest, the console's driver
 * events, the driver's commands). Each is parked, with its reason, where `hearth parked` lists it;
 * and the consumers move on: a deployment created after them reaches `ready`, and a vault read
 * after them reaches HATCH.
 */
describe('attack: poison messages to every consumer', () => {
  let stack: DriverStack;
  let hatch: RunningHatch;
  let workDir: string;

  beforeAll(async () => {
    stack = await startDriverStack([POSTGRES_IMAGE]);
    hatch = await startHatchProcess(stack.nats, stack.keys.env('hatch'));
    workDir = await mkdtemp(join(tmpdir(), 'hearth-poison-'));
  });

  afterAll(async () => {
    await hatch?.stop();
    await stack?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  /** Publishes each poison; answers its stream sequence. */
  async function publish(poisons: Poison[]): Promise<Map<Kind, number>> {
    const js = stack.jsm.jetstream();
    const seqs = new Map<Kind, number>();
    for (const poison of poisons) {
      const ack = await js.publish(poison.subject, poison.body, { msgID: poison.msgId });
      seqs.set(poison.kind, ack.seq);
    }
    return seqs;
  }

  /** `hearth parked --json`, as an operator runs it. */
  async function parked(): Promise<Array<ParkedMessage & { service: string }>> {
    const run = await runCli(['parked', '--json'], {
      cwd: workDir,
      env: {
        ...process.env,
        HEARTH_CONSOLE_URL: stack.console.url,
        HEARTH_HATCH_URL: hatch.url,
        HEARTH_TOKEN: stack.console.adminToken,
        NATS_URL: stack.nats.url,
        NATS_NKEY_SEED: stack.nats.seeds!.operator,
      },
    });
    if (run.code !== 0) throw new Error(`hearth parked failed: ${run.stderr}`);
    return (JSON.parse(run.stdout) as { items: unknown[] }).items.map((item) => Listed.parse(item));
  }

  it('parks each poison message with its reason, and every consumer moves on past it', async () => {
    const command = (slug: string): Envelope => ({
      id: randomUUID(),
      type: 'ProvisionSidecarsV1',
      stream: `deployment-${slug}`,
      version: 1,
      data: { slug, tier: 'dev', driver: 'localdocker', sidecars: [{ name: 'postgres', image: POSTGRES_IMAGE }] },
      metadata: freshMetadata('console'),
    });
    const driverEvent = (slug: string): Envelope => ({
      id: randomUUID(),
      type: 'ProvisioningStartedV1',
      stream: `driver-${slug}`,
      version: 1,
      data: { slug, command_id: randomUUID() },
      metadata: freshMetadata('driver:localdocker'),
    });
    const auditEvent = () => secretReadFixture({ actor: 'svc-poison' }) as unknown as Envelope;

    // Each poison command names a slug of its own, whose leftovers the stack removes.
    const commandSlug = stack.newSlug();
    const driverPoisons = poisonsOf(
      Subjects.driverCommand('localdocker', stack.instance, commandSlug),
      () => command(commandSlug),
      () => ({
        ...command(commandSlug),
        type: 'NoSuchCommandV1',
      }),
    );
    const eventSlug = stack.newSlug();
    const consolePoisons = poisonsOf(
      Subjects.driverEvent('localdocker', 'ProvisioningStartedV1'),
      () => driverEvent(eventSlug),
      () => ({ ...driverEvent(eventSlug), type: 'NoSuchEventV1' }),
    );
    // Hatch records an audit event of a type it has no contract for (a new emitter needs no hatch
    // release): its unknown type is a message that is no event at all.
    const hatchPoisons = poisonsOf(SECRET_READ_SUBJECT, auditEvent, () => ({
      id: randomUUID(),
      type: 'NoSuchEventV1',
    }));

    const sent = {
      'driver-localdocker': { seqs: await publish(driverPoisons), stream: Streams.driverCommands.name },
      console: { seqs: await publish(consolePoisons), stream: Streams.driverEvents.name },
      hatch: { seqs: await publish(hatchPoisons), stream: HatchStream.name },
    };

    // Behind all of them every consumer moves on: a deployment reaches ready (the driver's commands,
    // the console's events) and a read reaches HATCH (hatch's ingest). Both are awaited together, so
    // that a stall of either shows.
    const slug = stack.newSlug();
    const probe = `hearth/poison-probe-${randomBytes(4).toString('hex')}`;
    await stack.root.write({ path: probe, values: { PROBE: 'nothing secret' } });
    const deployed = (async () => {
      await registerWorkspace(stack.console.url, stack.console.adminToken, slug);
      const created = await stack.http('/v1/deployments', {
        method: 'POST',
        body: { slug, tier: 'dev', driver: 'localdocker', sidecars: [{ name: 'postgres', image: POSTGRES_IMAGE }] },
      });
      if (created.status !== 201) throw new Error(`the deployment was refused: HTTP ${created.status}`);
      return (await stack.until(slug, ['ready', 'failed'])).last_status;
    })();
    const audited = (async () => {
      await stack.reader.read(probe);
      const recorded = async () =>
        (
          await queryDatabase<{ n: number }>(
            hatch.db.name,
            `SELECT count(*)::int AS n FROM audit_log WHERE actor = 'e2e-subsystem' AND subject_path = $1`,
            [probe],
          )
        )[0]?.n === 1;
      await until(recorded, { timeoutMs: 45_000, what: 'the read recorded in HATCH' });
      return 'recorded in HATCH';
    })();
    const outcomes = await Promise.allSettled([deployed, audited]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : String(o.reason)))).toEqual([
      'ready',
      'recorded in HATCH',
    ]);

    // Every poison is listed, by the service that parked it, with its reason; nothing of it was applied.
    const expected = Object.entries(sent).flatMap(([service, { seqs, stream }]) =>
      KINDS.map((kind) => ({ service, kind, seq: seqs.get(kind)!, stream })),
    );
    const poisonOf = (service: string, kind: Kind) =>
      ({ 'driver-localdocker': driverPoisons, console: consolePoisons, hatch: hatchPoisons })[service]!.find(
        (p) => p.kind === kind,
      )!;
    // Listed by its stream position, or (hatch keeps none) by its message id, or by the position it
    // was parked under when its id was no id.
    const isListed = (items: Array<ParkedMessage & { service: string }>, e: (typeof expected)[number]) =>
      items.some(
        (p) =>
          p.service === e.service &&
          (p.stream_seq === e.seq ||
            p.message_id === `${e.stream}:${e.seq}` ||
            (e.kind !== 'huge message id' && p.message_id === poisonOf(e.service, e.kind).msgId)),
      );
    let items: Array<ParkedMessage & { service: string }> = [];
    await until(
      async () => {
        items = await parked();
        return expected.every((e) => isListed(items, e));
      },
      {
        timeoutMs: 30_000,
        what: 'every poison message listed by hearth parked',
      },
    ).catch(() => {
      const missing = expected.filter((e) => !isListed(items, e)).map((e) => `${e.service}: ${e.kind}`);
      throw new Error(`not parked: ${missing.join(', ')}`);
    });
    const reasons: ParkReason[] = ['invalid', 'refused', 'delivery_limit'];
    expect(items.every((p) => reasons.includes(p.reason) && p.detail.length > 0)).toBe(true);
    // Bounded as parked: not one 6,000-character id or actor came through whole.
    expect(items.every((p) => !p.message_id.includes(HUGE) && !(p.excerpt ?? '').includes(HUGE))).toBe(true);

    // The console never applied a poison event, hatch never recorded a poison read.
    expect((await stack.deployment(slug)).last_status).toBe('ready');
    const recorded = await queryDatabase<{ n: number }>(
      hatch.db.name,
      `SELECT count(*)::int AS n FROM audit_log WHERE actor = 'svc-poison' OR length(actor) > 256`,
    );
    expect(recorded[0]?.n).toBe(0);
  });
});
