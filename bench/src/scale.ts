import { registerWorkspace, startDriverStack, type DriverStack } from '@hearth/testkit';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { withCleanup } from './compare.js';
import { labelled, removeLabelled } from './engine.js';
import { containerMemory, processesNamed, pssOf, pssOfAll, shimsOf, systemMemory } from './memory.js';
import { fixed, printTable, whole } from './report.js';

const IMAGE = 'hearth-test/busybox:1';
/** How long one deployment may take from POST to `ready` (or one removal to `deprovisioned`), queue included. */
const TIMEOUT_MS = 180_000;

/**
 * How many workspaces one engine holds, and what each costs as their number grows: N workspaces,
 * each a busybox sidecar on its own internal network, provisioned through the console, the vault
 * and driver-localdocker as processes (POST /v1/deployments → `ready`), in stages (100, 300, 1,000
 * by default: `pnpm bench scale --sizes 100,300,1000 --window 4`); after each stage, the time per
 * workspace and the memory per workspace of the engine, the containers and the driver. Then every
 * one deleted (→ `deprovisioned`), and the engine checked for anything left. A deployment that fails
 * ends the growth: the report says at which count, and why.
 */
export async function runScale(args: string[] = process.argv.slice(3)): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { sizes: { type: 'string', default: '100,300,1000' }, window: { type: 'string', default: '4' } },
  });
  const sizes = values.sizes.split(',').map(Number);
  const window = Number(values.window);
  if (sizes.some((n, i) => !Number.isInteger(n) || n < 1 || n <= (sizes[i - 1] ?? 0)) || !(window >= 1)) {
    console.error('usage: pnpm bench scale [--sizes 100,300,1000] [--window 4]  (sizes ascending, whole numbers)');
    process.exit(2);
  }
  const pidMax = readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim();
  console.log(
    `scale: workspaces of one busybox sidecar each, through console → driver-localdocker (vault beside),` +
      ` ${window} deployments in flight, stages ${sizes.map(whole).join(' → ')}` +
      ` (${availableParallelism()} cores, load average ${fixed(loadavg()[0]!, 2)},` +
      ` ${whole(systemMemory().used / 2 ** 20)} MiB in use of the machine, pid_max ${pidMax})`,
  );

  await withCleanup(async (cleanup) => {
    const stack = await startDriverStack([IMAGE], { driverEnv: { LOG_LEVEL: 'info' } });
    const label = `hearth.instance=${stack.instance}`;
    // Last to run: whatever the driver left, found by its label. The slugs are the bench's own, not the
    // stack's (`newSlug`), whose stop would look for each one's leftovers by two docker calls apiece.
    cleanup.push(() => removeLabelled(label));
    cleanup.push(() => stack.stop());

    const baseline = await memorySnapshot(stack);
    const made: string[] = [];
    let ready = 0;
    const stages: Stage[] = [];
    let stopped: string | null = null;
    const progress = { count: 0, at: performance.now() };
    for (const size of sizes) {
      const slugs = Array.from({ length: size - made.length }, (_, i) => `${stack.instance}-${made.length + i}`);
      const started = performance.now();
      const { latencies, failure } = await inWindow(slugs, window, async (slug) => {
        made.push(slug);
        const ms = await provision(stack, slug);
        // A mark every 100 within a stage: a run stopped midway still says how far it got, and how fast.
        if (++progress.count % 100 === 0) {
          const now = performance.now();
          console.log(
            `  … ${whole(progress.count)} ready at ${new Date().toISOString().slice(11, 19)} UTC,` +
              ` ${whole((now - progress.at) / 100)} ms per workspace over the last 100`,
          );
          progress.at = now;
        }
        return ms;
      });
      const elapsed = performance.now() - started;
      ready += latencies.length;
      if (failure !== null) stopped = `stopped at ${whole(ready)} ready workspaces: ${failure}`;
      if (latencies.length > 0) {
        stages.push({
          count: ready,
          msPerWorkspace: elapsed / latencies.length,
          p50Ms: percentile(latencies, 0.5),
          memory: await memorySnapshot(stack),
        });
        // Each stage's figures as soon as it ends: a run cut short still reports the stages it reached.
        console.log(`  ${HEADER.join(' | ')}\n  ${rowOf(stages.at(-1)!, baseline).join(' | ')}`);
      }
      if (stopped !== null) break;
    }

    console.log(
      `\ntime per workspace: a stage's wall time over the workspaces it made (the driver takes one command at a time),`,
    );
    console.log(
      `POST → ready p50 with ${window} in flight; memory per workspace: growth since the start over the workspaces present`,
    );
    printTable(
      HEADER,
      stages.map((stage) => rowOf(stage, baseline)),
    );
    console.log(
      'engine: Pss of dockerd + containerd; shims: Pss of the containerd-shim of each container of the run;' +
        ' containers: their cgroups’ charge; driver: its Pss (each the growth since the start);' +
        ' machine: MemTotal − MemAvailable (every process and the kernel: bridges, veths, namespaces;' +
        ' others’ work on a shared machine moves it too); slab: the kernel’s slab alone',
    );
    console.log(stopped === null ? `\nreached ${whole(ready)} workspaces` : `\n${stopped}`);

    const removeStarted = performance.now();
    const { failure: removalFailure } = await inWindow(made, window, (slug) => remove(stack, slug));
    const removeMs = performance.now() - removeStarted;
    const left = await labelled(label);
    console.log(
      `removed: ${whole(made.length)} deployments deleted in ${whole(removeMs / 1000)} s` +
        ` (${whole(removeMs / made.length)} ms per workspace)${removalFailure === null ? '' : `; ${removalFailure}`}`,
    );
    console.log(
      `left on the engine: ${left.containers.length} containers, ${left.networks.length} networks` +
        ` ${left.containers.length + left.networks.length === 0 ? '(PASS)' : '(MISS: removed at cleanup)'}`,
    );
  });
}

const HEADER = [
  'workspaces',
  'ms/ws',
  'p50 ms',
  'engine KiB/ws',
  'shims KiB/ws',
  'containers KiB/ws',
  'driver KiB/ws',
  'sum KiB/ws',
  'machine KiB/ws',
  'slab KiB/ws',
];

interface Stage {
  count: number;
  msPerWorkspace: number;
  p50Ms: number;
  memory: MemorySnapshot;
}

/** A stage's figures, memory as the growth since `baseline` over the workspaces present. */
function rowOf({ count, msPerWorkspace, p50Ms, memory }: Stage, baseline: MemorySnapshot): string[] {
  const grown = (field: keyof MemoryFigures) => memory.bytes[field] - baseline.bytes[field];
  const perWorkspace = (bytes: number) => whole(bytes / count / 1024);
  const processes = (['engine', 'shims', 'containers', 'driver'] as const).map(grown);
  return [
    whole(count),
    whole(msPerWorkspace),
    whole(p50Ms),
    ...processes.map(perWorkspace),
    perWorkspace(processes.reduce((a, b) => a + b, 0)),
    perWorkspace(grown('machine')),
    perWorkspace(grown('slab')),
  ];
}

/** POST → `ready`; its time in ms. A failure names the driver's reason. */
async function provision(stack: DriverStack, slug: string): Promise<number> {
  const started = performance.now();
  await registerWorkspace(stack.console.url, stack.console.adminToken, slug);
  const response = await stack.http('/v1/deployments', {
    method: 'POST',
    body: { slug, tier: 'dev', driver: 'localdocker', sidecars: [{ name: 'tool', image: IMAGE }] },
  });
  if (response.status !== 201) throw new Error(`POST ${slug}: ${response.status} ${await response.text()}`);
  const ref = await stack.until(slug, ['ready', 'failed'], TIMEOUT_MS);
  if (ref.last_status === 'failed') {
    const said = stack.driver.output
      .filter((line) => line.includes(slug) && line.includes('provisioning failed'))
      .slice(-1);
    throw new Error(`${slug} failed: ${said.join('') || '(the driver said nothing)'}`);
  }
  return performance.now() - started;
}

/** DELETE → `deprovisioned`. */
async function remove(stack: DriverStack, slug: string): Promise<number> {
  const started = performance.now();
  const response = await stack.http(`/v1/deployments/${slug}`, { method: 'DELETE' });
  if (response.status !== 202) throw new Error(`DELETE ${slug}: ${response.status} ${await response.text()}`);
  await stack.until(slug, ['deprovisioned'], TIMEOUT_MS);
  return performance.now() - started;
}

/**
 * Runs `work` over `items` with `window` at once, in order; after the first failure nothing more
 * starts, what is in flight finishes, and the failure is returned with the times of those that passed.
 */
async function inWindow(
  items: readonly string[],
  window: number,
  work: (item: string) => Promise<number>,
): Promise<{ latencies: number[]; failure: string | null }> {
  const latencies: number[] = [];
  let failure: string | null = null;
  let next = 0;
  const worker = async () => {
    while (failure === null && next < items.length) {
      const item = items[next++]!;
      try {
        latencies.push(await work(item));
      } catch (error) {
        failure ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return { latencies, failure };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

interface MemoryFigures {
  engine: number;
  shims: number;
  containers: number;
  driver: number;
  machine: number;
  slab: number;
}

interface MemorySnapshot {
  bytes: MemoryFigures;
  /** How many containers of the run the engine holds. */
  containerCount: number;
}

/** The memory of the engine, of the run's containers and their shims, of the driver and of the machine, in bytes. */
async function memorySnapshot(stack: DriverStack): Promise<MemorySnapshot> {
  const { containers } = await labelled(`hearth.instance=${stack.instance}`);
  const { used, slab } = systemMemory();
  return {
    bytes: {
      engine: pssOfAll([...processesNamed('dockerd'), ...processesNamed('containerd')]),
      shims: pssOfAll(shimsOf(containers)),
      containers: containers.reduce((sum, id) => sum + (containerMemory(id) ?? 0), 0),
      driver: pssOf(stack.driver.pid),
      machine: used,
      slab,
    },
    containerCount: containers.length,
  };
}
