import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WORKLOAD_SECRETS_DIR } from '@hearth/contracts';
import {
  databaseText,
  docker,
  placesHolding,
  queryDatabase,
  registerWorkspace,
  startDriverStack,
  startHatchProcess,
  until,
  type DriverStack,
  type RunningHatch,
} from '@hearth/testkit';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

const POSTGRES_IMAGE = 'hearth-test/postgres:15';
const BUSYBOX_IMAGE = 'hearth-test/busybox:1';

/** The forms placesHolding looks for: the value as it is, in base64, in hex. */
const formsOf = (value: string) => [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex')];

/**
 * How many times any form of `value` occurs in the container's filesystem as `docker export` writes
 * it: every layer and change, and no mount (the tmpfs at /run/secrets is not in it). The forms reach
 * grep in its environment, never on an argv.
 */
function exportedHolds(container: string, value: string): Promise<number> {
  const [plain, base64, hex] = formsOf(value);
  return new Promise((resolve, reject) => {
    const child = spawn(
      'sh',
      ['-c', 'docker export "$1" | grep -acF -e "$PLAIN" -e "$BASE64" -e "$HEX"', 'sh', container],
      { env: { ...process.env, PLAIN: plain, BASE64: base64, HEX: hex }, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', () => resolve(Number(out.trim() || '0')));
  });
}

/**
 * A canary value at org scope, resolved into a workload at dispatch, appears nowhere but the vault's
 * ciphertext and the workload's tmpfs: not in the console's, hatch's or (in clear) the vault's
 * database, any service's log, any JetStream stream, `docker inspect` of any container, nor the
 * workload's filesystem outside /run/secrets.
 */
describe('a canary resolved into a workload stays in the vault and the workload’s tmpfs', () => {
  let stack: DriverStack;
  let hatch: RunningHatch;
  let slug: string;
  let agent: string;
  const canary = `CANARY${randomBytes(16).toString('hex')}`;

  beforeAll(async () => {
    stack = await startDriverStack([POSTGRES_IMAGE, BUSYBOX_IMAGE]);
    hatch = await startHatchProcess(stack.nats, stack.keys.env('hatch'));
    slug = stack.newSlug();
    agent = `hearth-${slug}-agent`;
    await registerWorkspace(stack.console.url, stack.console.adminToken, slug, {
      org: 'canary-org',
      team: 'canary-team',
    });
    await stack.root.write({
      path: 'org/canary-org/canary',
      values: { CANARY_TOKEN: canary },
      tags: { category: 'integration' },
    });
    const created = await stack.http('/v1/deployments', {
      method: 'POST',
      body: {
        slug,
        tier: 'dev',
        driver: 'localdocker',
        sidecars: [{ name: 'postgres', image: POSTGRES_IMAGE }],
        workloads: [{ name: 'agent', image: BUSYBOX_IMAGE, command: ['sleep', '3600'], env_refs: ['CANARY_TOKEN'] }],
      },
    });
    expect(created.status).toBe(201);
    expect((await stack.until(slug, ['ready', 'failed'])).last_status).toBe('ready');
  });

  afterAll(async () => {
    await hatch?.stop();
    await stack?.stop();
  });

  it('is in the workload’s /run/secrets and nowhere else', async () => {
    // It did reach the workload: the scan below looks for something that exists.
    const delivered = await docker(
      ['exec', '-i', agent, 'sh', '-c', `IFS= read -r v; [ "$v" = "$(cat ${WORKLOAD_SECRETS_DIR}/CANARY_TOKEN)" ]`],
      `${canary}\n`,
    );
    expect(delivered.status).toBe(0);
    // Everything the dispatch caused has reached hatch's database and the driver's log.
    await until(
      async () =>
        (
          await queryDatabase<{ n: number }>(
            hatch.db.name,
            "SELECT count(*)::int AS n FROM audit_log WHERE action = 'secret.read' AND subject_path = $1",
            ['org/canary-org/canary'],
          )
        )[0]!.n >= 1,
      { what: 'the canary’s read recorded in HATCH', timeoutMs: 20_000 },
    );

    const containers = (await docker(['ps', '-aq', '--filter', `label=hearth.instance=${stack.instance}`])).stdout;
    expect(containers.split('\n').length).toBeGreaterThanOrEqual(2); // the sidecar and the workload
    const places: Record<string, string> = {
      ...(await stack.placesASecretMustNotReach()),
      "hatch's database": await databaseText(hatch.db.name),
      'hatch logs': hatch.runs.flatMap((run) => run.output).join('\n'),
      // Whole, ciphertext included: sealed, the canary's bytes are in no form there.
      "the vault's database": await databaseText(stack.vault.db.name),
      'docker inspect of every container': (await docker(['inspect', ...containers.split('\n')])).stdout,
    };
    expect(places["hatch's database"]).toContain('org/canary-org/canary'); // the scan sees what was recorded
    expect(places['docker inspect of every container']).toContain(
      `CANARY_TOKEN_FILE=${WORKLOAD_SECRETS_DIR}/CANARY_TOKEN`,
    );
    expect(placesHolding(places, canary)).toEqual([]);

    // The workload's own filesystem, outside the tmpfs: nothing written, nothing baked in.
    expect(await exportedHolds(agent, canary)).toBe(0);
  });
});
