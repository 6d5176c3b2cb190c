import { verifyExport } from '@hearth/audit-chain';
import { HearthError, ServiceKeysJson, Status } from '@hearth/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import { queryDatabase } from './database.js';
import { docker } from './docker.js';
import { testExpect as expect } from './events.js';
import { STACK_READER, startDriverStack, type DriverStack } from './driver-stack.js';
import type { RunningHatch } from './hearth-services.js';
import { until } from './until.js';

/**
 * The crash suite's harness (test/integration/crash): a stack with hatch, a load of signed reads
 * that keeps every value it was handed, and the counts each case ends with — values returned vs
 * read events committed vs HATCH records, deployments settled or stuck, what was left orphaned.
 */

/** The smallest sidecar the driver runs: an idle static busybox, with one credential it generates into the vault. */
export const CRASH_SIDECAR = {
  name: 'tool',
  image: 'hearth-test/busybox:1',
  auto_credentials: [{ name: 'TOOL_TOKEN', delivery: 'file' }],
} as const;

/** Where the driver keeps a deployment's generated credential: what the read load reads. */
export const vaultPath = (slug: string) => `hearth/${slug}`;

export type CrashStack = DriverStack & { readonly hatch: RunningHatch };

/** The read loads running on each stack: its stop() ends them first, also when a case failed midway. */
const loadsOf = new WeakMap<DriverStack, Set<ReadLoad>>();

/** A DriverStack with hatch, for the crash sidecar; `vaultEnv` and `driverEnv` as startDriverStack takes them. */
export async function startCrashStack(
  options: { vaultEnv?: Record<string, string>; driverEnv?: Record<string, string>; cluster?: boolean } = {},
): Promise<CrashStack> {
  const stack = await startDriverStack([CRASH_SIDECAR.image], { ...options, withHatch: true });
  const loads = new Set<ReadLoad>();
  loadsOf.set(stack, loads);
  const stopStack = stack.stop.bind(stack);
  return Object.assign(stack, {
    hatch: stack.hatch!,
    stop: async () => {
      await Promise.all([...loads].map((load) => load.stop()));
      await stopStack();
    },
  });
}

/** How a request for a deployment ended: answered 201 or 409 (it exists), or not answered at all (the console down). */
export type DeploymentRequest = 'accepted' | 'exists' | 'unanswered';

/** Asks the console for a deployment of the crash sidecar at `slug` (a slug of stack.newSlug()). */
export async function requestDeployment(stack: DriverStack, slug: string): Promise<DeploymentRequest> {
  let response: Response;
  try {
    response = await stack.http('/v1/deployments', {
      method: 'POST',
      body: { slug, tier: 'dev', driver: 'localdocker', sidecars: [CRASH_SIDECAR] },
    });
  } catch {
    return 'unanswered'; // refused or cut mid-request: the console may or may not have taken it
  }
  if (response.status === 201) return 'accepted';
  if (response.status === 409) return 'exists';
  throw new Error(`creating ${slug} answered ${response.status}: ${await response.text()}`);
}

/** `count` fresh deployments, asked for one after another, every one accepted. */
export async function createDeployments(stack: DriverStack, count: number): Promise<string[]> {
  const slugs = Array.from({ length: count }, () => stack.newSlug());
  for (const slug of slugs) {
    const answer = await requestDeployment(stack, slug);
    if (answer !== 'accepted') throw new Error(`creating ${slug}: ${answer}`);
  }
  return slugs;
}

/** Where each deployment ended: `stuck` is any still requested or provisioning (or deprovisioning). */
export interface DeploymentTally {
  ready: string[];
  failed: string[];
  /** Never taken by the console (a create it did not commit). */
  absent: string[];
  stuck: string[];
}

async function statusOf(stack: DriverStack, slug: string): Promise<Status | 'absent'> {
  const response = await stack.http(`/v1/deployments/${slug}`);
  if (response.status === 404) return 'absent';
  if (response.status !== 200) throw new Error(`GET ${slug} answered ${response.status}: ${await response.text()}`);
  return Status.parse(((await response.json()) as { last_status: unknown }).last_status);
}

/** Waits until none of `slugs` is on its way anywhere (up to `timeoutMs`), then says where each ended. */
export async function settleDeployments(
  stack: DriverStack,
  slugs: readonly string[],
  timeoutMs = 120_000,
): Promise<DeploymentTally> {
  let tally: DeploymentTally = { ready: [], failed: [], absent: [], stuck: [...slugs] };
  const settled = async () => {
    const next: DeploymentTally = { ready: [], failed: [], absent: [], stuck: [] };
    for (const slug of slugs) {
      const status = await statusOf(stack, slug);
      if (status === 'ready' || status === 'failed' || status === 'absent') next[status].push(slug);
      else next.stuck.push(slug);
    }
    tally = next;
    return next.stuck.length === 0;
  };
  // A timeout is a finding, not an error: the case asserts `stuck` and prints which they are.
  await until(settled, { timeoutMs, intervalMs: 250 }).catch(() => undefined);
  return tally;
}

/**
 * What the stack's instance holds on the engine and in the vault beyond its ready deployments
 * (`orphans`), and what a ready deployment lacks: its running sidecar, its network, or exactly one
 * readable credential (`missing`).
 */
export interface Leftovers {
  orphans: { containers: string[]; networks: string[]; credentials: string[] };
  missing: string[];
}

export async function findLeftovers(stack: DriverStack, ready: readonly string[]): Promise<Leftovers> {
  const mine = ['--filter', `label=hearth.instance=${stack.instance}`];
  const lines = (text: string) => (text === '' ? [] : text.split('\n').map((line) => line.split('\t')));
  const containers = lines(
    (await docker(['ps', '-a', ...mine, '--format', '{{.Label "hearth.slug"}}\t{{.Names}}\t{{.State}}'])).stdout,
  );
  const networks = lines(
    (await docker(['network', 'ls', ...mine, '--format', '{{.Label "hearth.slug"}}\t{{.Name}}'])).stdout,
  );
  const credentials = await queryDatabase<{ path: string; versions: number }>(
    stack.vault.db.name,
    `SELECT path, count(*)::int AS versions FROM secret_versions
     WHERE path LIKE 'hearth/%' AND NOT destroyed GROUP BY path`,
  );
  const isReady = (slug: string | undefined) => slug !== undefined && ready.includes(slug);
  const missing: string[] = [];
  for (const slug of ready) {
    if (!containers.some(([s, , state]) => s === slug && state === 'running'))
      missing.push(`${slug}: no running sidecar`);
    if (networks.filter(([s]) => s === slug).length !== 1) missing.push(`${slug}: not one network`);
    const versions = credentials.find((c) => c.path === vaultPath(slug))?.versions ?? 0;
    if (versions !== 1) missing.push(`${slug}: ${versions} readable credentials`);
  }
  return {
    orphans: {
      containers: containers.filter(([slug]) => !isReady(slug)).map(([, name]) => name!),
      networks: networks.filter(([slug]) => !isReady(slug)).map(([, name]) => name!),
      credentials: credentials.filter((c) => !isReady(c.path.split('/')[1])).map((c) => c.path),
    },
    missing,
  };
}

/** A value the vault handed the load: its read event, and when the read was sent and answered. */
export interface ReturnedValue {
  readEventId: string;
  sentAt: number;
  returnedAt: number;
}

/** What a read load saw: every value returned, and every refusal counted by its code (or the bus error's name). */
export interface ReadOutcome {
  values: ReturnedValue[];
  refusals: Record<string, number>;
}

export interface ReadLoad {
  /** How many values came back so far. */
  returned(): number;
  /** The time the first value came back of a read sent after `at` (ms since the epoch): when reads work again. */
  firstValueAfter(at: number, timeoutMs?: number): Promise<number>;
  /** Ends the load once the reads in flight have ended. */
  stop(): Promise<ReadOutcome>;
}

/**
 * Reads `paths` round and round as the stack's reader, `workers` at a time, each pausing `pauseMs` between
 * its reads (a paced load of a few dozen reads a second, not a flood). A value counts as returned
 * only once it is opened, exactly as a subsystem would use it.
 */
export function startReadLoad(
  stack: CrashStack,
  paths: readonly string[],
  { workers = 2, pauseMs = 25 } = {},
): ReadLoad {
  const { reader } = stack;
  const outcome: ReadOutcome = { values: [], refusals: {} };
  let stopped = false;
  let next = 0;
  const worker = async () => {
    while (!stopped) {
      const sentAt = Date.now();
      try {
        const { read_event_id } = await reader.read(paths[next++ % paths.length]!);
        outcome.values.push({ readEventId: read_event_id, sentAt, returnedAt: Date.now() });
      } catch (error) {
        // A bus error by what lies under it (a RequestError wraps NoRespondersError, say).
        const { name, cause } = error as Error;
        const code = error instanceof HearthError ? error.code : cause instanceof Error ? cause.name : name;
        outcome.refusals[code] = (outcome.refusals[code] ?? 0) + 1;
      }
      await sleep(pauseMs);
    }
  };
  // Each path read once, one after another, before the workers share them: the reader's first read of
  // a workspace grants it, and a read racing that grant may be denied by a principal cache that is
  // repopulated just before the grant's notification lands (a vault race the crash suite is not about).
  const warm = async () => {
    for (const path of paths) {
      const sentAt = Date.now();
      const { read_event_id } = await reader.read(path);
      outcome.values.push({ readEventId: read_event_id, sentAt, returnedAt: Date.now() });
    }
  };
  const running = warm().then(() => Promise.all(Array.from({ length: workers }, worker)));
  const load: ReadLoad = {
    returned: () => outcome.values.length,
    firstValueAfter: async (at, timeoutMs = 90_000) => {
      const first = () => outcome.values.find((v) => v.sentAt > at);
      await until(() => first() !== undefined, { timeoutMs }).catch(() => {
        throw new Error(
          `no value returned within ${timeoutMs} ms; refusals so far: ${JSON.stringify(outcome.refusals)}`,
        );
      });
      return first()!.returnedAt;
    },
    stop: async () => {
      stopped = true;
      await running;
      loadsOf.get(stack)?.delete(load);
      return outcome;
    },
  };
  loadsOf.get(stack)?.add(load);
  return load;
}

/** The values a load was handed against what the vault committed and hatch recorded of the reader's reads. */
export interface ReadCounts {
  returned: number;
  committed: number;
  recorded: number;
  /** Read event ids handed out with more than one value. */
  returnedTwice: string[];
  /** Values whose read event the vault never committed: a value without its record. */
  returnedUncommitted: string[];
  /** Committed reads not in the chain once hatch had every chance to catch up. */
  committedUnrecorded: string[];
  /** Reads hatch recorded twice, or that the vault never committed. */
  recordedTwice: string[];
  recordedUncommitted: string[];
  /** Committed reads whose value never came back: at most one per read that failed. */
  committedUnreturned: number;
  /** How long after this call hatch had recorded every committed read (ms). */
  catchUpMs: number;
  /** `hearth audit verify` of the export, with the stack's service keys pinned: null when it verifies. */
  chainFault: string | null;
}

/**
 * Waits (up to `timeoutMs`) until hatch has recorded every read of the stack's reader that the vault
 * committed, then counts. Reads by others (none in the crash suite) are left out of every count.
 */
export async function settleReads(stack: CrashStack, outcome: ReadOutcome, timeoutMs = 120_000): Promise<ReadCounts> {
  const committedIds = async () =>
    (
      await queryDatabase<{ id: string }>(
        stack.vault.db.name,
        `SELECT event_id AS id FROM events
         WHERE type = 'SecretReadV1' AND data->>'actor' = $1 AND data->>'outcome' = 'OK'`,
        [STACK_READER],
      )
    ).map((r) => r.id);
  const recordedIds = async () =>
    (
      await queryDatabase<{ id: string }>(
        stack.hatch.db.name,
        `SELECT event_id::text AS id FROM audit_log
         WHERE event_type = 'SecretReadV1' AND actor = $1 AND outcome = 'OK'`,
        [STACK_READER],
      )
    ).map((r) => r.id);
  const started = Date.now();
  const allRecorded = async () => {
    const recorded = new Set(await recordedIds());
    return (await committedIds()).every((id) => recorded.has(id));
  };
  await until(allRecorded, { timeoutMs, intervalMs: 250 }).catch(() => undefined);
  const catchUpMs = Date.now() - started;
  const committed = await committedIds();
  const recorded = await recordedIds();
  const returned = outcome.values.map((v) => v.readEventId);
  const twice = (ids: string[]) => ids.filter((id, i) => ids.indexOf(id) !== i);
  const committedSet = new Set(committed);
  const recordedSet = new Set(recorded);
  const returnedSet = new Set(returned);

  const exported = await fetch(`${stack.hatch.url}/v1/audit/export`, {
    headers: { authorization: `Bearer ${stack.console.adminToken}` },
  });
  const verdict = verifyExport(await exported.text(), { serviceKeys: ServiceKeysJson.parse(stack.keys.pinned) });
  return {
    returned: returned.length,
    committed: committed.length,
    recorded: recorded.length,
    returnedTwice: twice(returned),
    returnedUncommitted: returned.filter((id) => !committedSet.has(id)),
    committedUnrecorded: committed.filter((id) => !recordedSet.has(id)),
    recordedTwice: twice(recorded),
    recordedUncommitted: recorded.filter((id) => !committedSet.has(id)),
    committedUnreturned: committed.filter((id) => !returnedSet.has(id)).length,
    catchUpMs,
    chainFault: verdict.ok ? null : `seq ${verdict.firstBadSeq}: ${verdict.reason}`,
  };
}

/** Everything a crash case ends with. */
export interface CrashCounts {
  reads: ReadCounts | null;
  refusals: Record<string, number>;
  deployments: DeploymentTally;
  leftovers: Leftovers;
}

/**
 * Ends a case: settles the reads of `load` (if it ran one) and the deployments `slugs`, prints every
 * count with `extra` (recovery times: printed, never asserted), and asserts what must hold after any
 * crash — every value returned has exactly one committed read event and that event exactly one
 * HATCH record, the chain verifies, every committed read not returned is accounted for by a read that
 * failed, no deployment is stuck, nothing is orphaned and no ready deployment lacks a part.
 */
export async function endCrashCase(
  stack: CrashStack,
  name: string,
  {
    load,
    slugs,
    extra = {},
  }: {
    load?: ReadLoad;
    slugs: readonly string[];
    extra?: Record<string, unknown>;
  },
): Promise<CrashCounts> {
  const outcome = load ? await load.stop() : null;
  const reads = outcome ? await settleReads(stack, outcome) : null;
  const deployments = await settleDeployments(stack, slugs);
  const leftovers = await findLeftovers(stack, deployments.ready);
  const refusals = outcome?.refusals ?? {};
  const failedAnswers = await Promise.all(
    deployments.failed.map(async (slug) => ({
      slug,
      answers: (await stack.driverAnswers(slug)).map(
        (a) => `${a.type}${'reason' in a.data ? `: ${a.data.reason}` : ''}`,
      ),
    })),
  );
  const counts = { reads, refusals, deployments, leftovers };
  console.log(
    [
      `crash: ${name}`,
      ...Object.entries({ ...extra, ...counts, failedAnswers }).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
    ].join('\n'),
  );
  if (reads) {
    expect(reads.returned).toBeGreaterThan(0);
    expect({
      returnedTwice: reads.returnedTwice,
      returnedUncommitted: reads.returnedUncommitted,
      committedUnrecorded: reads.committedUnrecorded,
      recordedTwice: reads.recordedTwice,
      recordedUncommitted: reads.recordedUncommitted,
      chainFault: reads.chainFault,
    }).toEqual({
      returnedTwice: [],
      returnedUncommitted: [],
      committedUnrecorded: [],
      recordedTwice: [],
      recordedUncommitted: [],
      chainFault: null,
    });
    expect(reads.committedUnreturned).toBeLessThanOrEqual(Object.values(refusals).reduce((a, b) => a + b, 0));
  }
  expect(deployments.stuck).toEqual([]);
  expect(leftovers).toEqual({ orphans: { containers: [], networks: [], credentials: [] }, missing: [] });
  return counts;
}
