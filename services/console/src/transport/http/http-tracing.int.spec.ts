import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConsoleClient, Streams, Subjects } from '@hearth/contracts';
import { currentTraceId, extractTraceContext, inSpan, injectTraceContext, SpanKind } from '@hearth/platform/telemetry';
import { eventsSince, generateServiceKeys, respondSigned, streamMessages, until } from '@hearth/testkit';
import { randomBytes } from 'node:crypto';
import { startConsoleHarness, type ConsoleHarness } from '../../test/console-harness.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const traceIdOf = (traceparent: string | undefined) => traceparent?.split('-')[1];

describe('trace context across the console’s edges', () => {
  let h: ConsoleHarness;

  beforeAll(async () => {
    h = await startConsoleHarness({ serve: true });
  });
  afterAll(() => h?.close());

  const create = async (slug: string, headers: Record<string, string> = {}) => {
    await h.registerWorkspace(slug);
    return fetch(`${h.url}/v1/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ slug, tier: 'dev', driver: 'localdocker', sidecars: [] }),
    });
  };
  const requestedMetadata = async (slug: string) =>
    (await eventsSince(h.db.name, 0n, { stream: `deployment-${slug}`, type: 'DeploymentRequestedV1' }))[0]?.metadata;

  it('an HTTP request continues the caller’s trace into the stored event and the provision command on JetStream', async () => {
    const traceId = hex(16);
    const callerSpan = hex(8);
    const response = await create('traced', {
      traceparent: `00-${traceId}-${callerSpan}-01`,
      'x-correlation-id': 'c-1',
    });
    expect(response.status).toBe(201);
    expect(await requestedMetadata('traced')).toMatchObject({ trace_id: traceId, correlation_id: 'c-1' });

    const [queued] = await h.runtime.dataSource.query<Array<{ headers: Record<string, string> }>>(
      `SELECT headers FROM outbox WHERE subject LIKE 'cmd.%'`,
    );
    expect(traceIdOf(queued?.headers.traceparent)).toBe(traceId);

    await h.workers.relay.start();
    let commands: Awaited<ReturnType<typeof streamMessages>> = [];
    await until(async () => (commands = await streamMessages(h.runtime.jsm, Streams.driverCommands.name)).length > 0, {
      timeoutMs: 5_000,
      what: 'the provision command on JetStream',
    });
    expect(commands).toHaveLength(1);
    const traceparent = commands[0]!.headers.traceparent;
    expect(traceIdOf(traceparent)).toBe(traceId);
    expect(traceparent?.split('-')[2]).not.toBe(callerSpan); // the console's own span, a child of the caller's
  });

  it('an HTTP request without one starts a trace of its own when the caller sent none', async () => {
    expect((await create('untraced')).status).toBe(201);
    expect((await requestedMetadata('untraced'))?.trace_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('and ConsoleClient sends the caller’s trace context when given the platform’s injector, and none otherwise', async () => {
    // A plain subscriber on the real broker stands in for the console: only the request's headers matter here.
    // It answers signed as a console, since ConsoleClient takes nothing else.
    const keys = generateServiceKeys();
    const seen: Array<string | undefined> = [];
    const sub = h.runtime.nc.subscribe(Subjects.deploymentGet, {
      callback: (_error, msg) => {
        seen.push(msg.headers?.get('traceparent') || undefined);
        respondSigned(msg, Subjects.deploymentGet, null, keys.signer('console'));
      },
    });
    try {
      const traced = new ConsoleClient(h.runtime.nc, keys.verifier(), {
        injectTraceContext: (carrier) => injectTraceContext(carrier),
      });
      const traceId = await inSpan('caller', extractTraceContext(undefined), SpanKind.CLIENT, async () => {
        await traced.getWorkspaceDeployment('acme');
        return currentTraceId();
      });
      await new ConsoleClient(h.runtime.nc, keys.verifier()).getWorkspaceDeployment('acme');
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(seen.map(traceIdOf)).toEqual([traceId, undefined]);
    } finally {
      sub.unsubscribe();
    }
  });
});
