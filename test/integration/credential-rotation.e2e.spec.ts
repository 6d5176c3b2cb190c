import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CredentialTestResult,
  HatchStream,
  HearthError,
  type CredentialDetails,
  type OpenedSecret,
} from '@hearth/contracts';
import {
  docker,
  type DriverStack,
  eventMark,
  eventsSince,
  placesHolding,
  queryDatabase,
  registerWorkspace,
  runCli,
  startDriverStack,
  streamMessages,
  until,
} from '@hearth/testkit';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const POSTGRES_IMAGE = 'hearth-test/postgres:15';

/**
 * A password login inside the sidecar over TCP to its own address, as its readiness check logs in;
 * the password comes on the exec's stdin, never on an argv.
 */
const login = (container: string, password: string) =>
  docker(
    [
      'exec',
      '-i',
      container,
      'sh',
      '-c',
      `IFS= read -r PGPASSWORD; export PGPASSWORD; PGCONNECT_TIMEOUT=3 psql -h "$(hostname -i | cut -d' ' -f1)" -U postgres -d postgres -Atqc 'SELECT 1'`,
    ],
    `${password}\n`,
  );

/** Whether the sidecar's credential file (what its readiness check and a restart read) holds `password`. */
const fileHolds = (container: string, password: string) =>
  docker(
    ['exec', '-i', container, 'sh', '-c', 'IFS= read -r pw; [ "$pw" = "$(cat "$POSTGRES_PASSWORD_FILE")" ]'],
    `${password}\n`,
  );

/**
 * Rotation of a Postgres sidecar's generated password with console, vault and driver as processes on
 * Hearth's NATS and the real Docker engine: the two phases end to end, then the vault or the driver
 * SIGKILLed (by its failpoint) at each step and restarted. One sidecar goes through every case.
 */
describe('rotating a Postgres sidecar’s password across processes, killed at each step', () => {
  let stack: DriverStack;
  let slug: string;
  let path: string;
  let container: string;
  let workDir: string;
  let rootKeyFile: string;
  /** Every password the vault generated for the sidecar, each read once it was current. */
  const generated = new Set<string>();

  /** The vault's current value, as the workspace's reader reads it. */
  const current = async () => {
    const read = await stack.reader.read(path);
    generated.add(read.values.password!);
    return read;
  };
  const details = (): Promise<CredentialDetails> => stack.root.credential(path);

  /** Waits until no rotation is pending (promoted or abandoned); fails if one stays pending. */
  const settled = async () => {
    let last: CredentialDetails | undefined;
    await until(async () => (last = await details()).pending_version === null, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'the rotation settling (promoted or abandoned)',
    });
    return last!;
  };

  /** The sidecar and the vault agree: the vault's current password logs in inside the sidecar. */
  const expectAgreement = async () => {
    const read = await current();
    expect(await login(container, read.values.password!)).toEqual({ status: 0, stdout: '1' });
    return read;
  };

  /** The rotation steps the vault recorded for the sidecar's credential since `mark`, for `version`. */
  const stepsOf = async (mark: bigint, version: number) =>
    (await eventsSince(stack.vault.db.name, mark, { type: 'CredentialRotatedV1' }))
      .filter((e) => e.data.path === path && e.data.version === version)
      .map((e) => e.data.step);

  /**
   * The rotation promoted to `version`: the sidecar and the vault agree on the new value, the old one
   * logs in no more and its version is destroyed, and the vault recorded requested → applied → promoted.
   */
  const expectPromoted = async (mark: bigint, before: OpenedSecret, version: number) => {
    expect((await settled()).current_version).toBe(version);
    const after = await expectAgreement();
    expect(after.version).toBe(version);
    expect(after.values.password).not.toBe(before.values.password);
    expect((await login(container, before.values.password!)).status).not.toBe(0);
    expect(await stack.readableVersions(slug)).toBe(1);
    expect(await stepsOf(mark, version)).toEqual(['requested', 'applied', 'promoted']);
    return after;
  };

  /** What the vault's database holds of the rotation: read while the vault is dead, it is what a restart finds. */
  const vaultRow = async () =>
    (
      await queryDatabase<{ current: number; pending: number | null; open: number }>(
        stack.vault.db.name,
        `SELECT s.current_version AS current, s.pending_version AS pending,
                (SELECT count(*)::int FROM credential_work w
                  WHERE w.path = s.path AND w.kind = 'rotate' AND w.done_at IS NULL) AS open
         FROM secrets s WHERE s.path = $1`,
        [path],
      )
    )[0];

  /** Restarts the vault's process armed to kill itself at `point`. */
  const restartVaultArmed = async (point: string) => {
    await stack.vault.process.kill();
    await stack.vault.restart({ HEARTH_FAILPOINTS: point });
  };

  beforeAll(async () => {
    stack = await startDriverStack([POSTGRES_IMAGE], {
      // A driver polls each second, and work a killed driver claimed is handed out again after 3 s.
      driverEnv: { DRIVER_CREDENTIAL_WORK_SECONDS: '1' },
      vaultEnv: { VAULT_CREDENTIAL_WORK_CLAIM_SECONDS: '3' },
    });
    workDir = await mkdtemp(join(tmpdir(), 'hearth-rotation-'));
    rootKeyFile = join(workDir, 'root.json');
    await writeFile(rootKeyFile, JSON.stringify({ name: 'root', ...stack.vault.rootKeys }), { mode: 0o600 });
    slug = stack.newSlug();
    path = `hearth/${slug}`;
    container = `hearth-${slug}-postgres`;
    await registerWorkspace(stack.console.url, stack.console.adminToken, slug);
    const created = await stack.http('/v1/deployments', {
      method: 'POST',
      body: { slug, tier: 'dev', driver: 'localdocker', sidecars: [{ name: 'postgres', image: POSTGRES_IMAGE }] },
    });
    expect(created.status).toBe(201);
    expect((await stack.until(slug, ['ready', 'failed'])).last_status).toBe('ready');
  });

  afterAll(async () => {
    await stack?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('rotates: requested → applied → promoted; the old password no longer logs in, the new one does', async () => {
    expect(await details()).toMatchObject({ type: 'postgres', provider: 'AUTO_MANAGED', pending_version: null });
    const before = await expectAgreement();
    const mark = await eventMark(stack.vault.db.name);

    const rotation = await stack.root.rotateCredential(path);
    expect(rotation).toEqual({ path, state: 'pending', version: before.version + 1 });

    const after = await expectPromoted(mark, before, rotation.version);
    expect(after.values).toMatchObject({ host: container, port: '5432', username: 'postgres', database: 'postgres' });
    expect((await fileHolds(container, after.values.password!)).status).toBe(0);
    // The old version is destroyed: it opens the sidecar no more, so nothing may read it.
    const old = await stack.reader.read(path, before.version).catch((error: unknown) => error);
    expect(old).toBeInstanceOf(HearthError);
    const rotateAudits = async () =>
      (await streamMessages(stack.jsm, HatchStream.name)).filter(
        (m) =>
          m.subject === 'hatch.vault.credential.rotate' &&
          Buffer.from(m.data).toString('utf8').includes(`"version":${rotation.version}`) &&
          Buffer.from(m.data).toString('utf8').includes(path),
      );
    await until(async () => (await rotateAudits()).length === 3, {
      timeoutMs: 10_000,
      what: 'the three rotation steps in HATCH',
    });

    // The operator's `hearth credential test`: the vault asks the driver to log in with the current value.
    const tested = await runCli(['credential', 'test', path, '--json'], {
      cwd: workDir,
      env: {
        PATH: process.env.PATH,
        HOME: workDir,
        NATS_URL: stack.nats.url,
        NATS_NKEY_SEED: stack.nats.seeds!.operator,
        HEARTH_KEY_FILE: rootKeyFile,
        VAULT_SEAL_PUBLIC_KEY: stack.vault.sealPublicKey,
      },
    });
    expect(tested).toMatchObject({ code: 0 });
    expect(CredentialTestResult.parse(JSON.parse(tested.stdout))).toMatchObject({
      status: 'OK',
      version: rotation.version,
      message: 'the sidecar accepts a login with the current value', // the driver's check, from inside the sidecar
    });
  });

  it('the vault killed right after the request: restarted, it promotes the value it kept aside', async () => {
    const before = await expectAgreement();
    const mark = await eventMark(stack.vault.db.name);
    await restartVaultArmed('vault.rotation.after-request');
    // The request committed, then the vault died before its reply: the operator hears nothing.
    const asked = stack.root.rotateCredential(path).catch((error: unknown) => error);
    expect(await stack.vault.process.ended).toMatchObject({ signal: 'SIGKILL' });
    // What the restart finds: the new value kept aside with its work; the sidecar, never asked, still on the old one.
    expect(await vaultRow()).toEqual({ current: before.version, pending: before.version + 1, open: 1 });
    expect((await login(container, before.values.password!)).status).toBe(0);
    await stack.vault.restart({ HEARTH_FAILPOINTS: '' });

    await expectPromoted(mark, before, before.version + 1);
    expect(await asked).toBeInstanceOf(Error);
  });

  it('the driver killed after the ALTER, before the file rewrite: restarted, it finishes; a restarted sidecar comes back with the vault’s value', async () => {
    const before = await expectAgreement();
    const mark = await eventMark(stack.vault.db.name);
    await stack.driver.kill();
    await stack.startDriver({ HEARTH_FAILPOINTS: 'driver.rotation.after-apply' });
    const rotation = await stack.root.rotateCredential(path);
    expect(rotation.state).toBe('pending');
    expect(await stack.driver.ended).toMatchObject({ signal: 'SIGKILL' });
    // Between the steps: the server took the new value, the vault and the file still hold the old one.
    expect((await login(container, before.values.password!)).status).not.toBe(0);
    expect((await fileHolds(container, before.values.password!)).status).toBe(0);
    expect((await details()).pending_version).toBe(rotation.version);

    await stack.startDriver();
    const after = await expectPromoted(mark, before, rotation.version);

    // A restart reads the credential file: it holds the vault's value, and the server comes back taking it.
    expect((await docker(['restart', container])).status).toBe(0);
    expect((await fileHolds(container, after.values.password!)).status).toBe(0);
    await until(async () => (await login(container, after.values.password!)).status === 0, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'the restarted sidecar taking the vault’s value',
    });
    expect((await login(container, before.values.password!)).status).not.toBe(0);
  });

  it('the driver killed after applying, before its report: restarted, it reports and the vault promotes', async () => {
    const before = await expectAgreement();
    const mark = await eventMark(stack.vault.db.name);
    await stack.driver.kill();
    await stack.startDriver({ HEARTH_FAILPOINTS: 'driver.rotation.before-report' });
    const rotation = await stack.root.rotateCredential(path);
    expect(await stack.driver.ended).toMatchObject({ signal: 'SIGKILL' });
    // Between the steps: the sidecar and its file took the new value, the vault has heard nothing.
    expect((await login(container, before.values.password!)).status).not.toBe(0);
    expect((await fileHolds(container, before.values.password!)).status).not.toBe(0);
    expect(await details()).toMatchObject({ current_version: before.version, pending_version: rotation.version });

    await stack.startDriver();
    await expectPromoted(mark, before, rotation.version);
  });

  it('the vault killed before the promotion: restarted, the next report promotes', async () => {
    const before = await expectAgreement();
    const mark = await eventMark(stack.vault.db.name);
    await restartVaultArmed('vault.rotation.before-promote');
    const rotation = await stack.root.rotateCredential(path);
    expect(rotation.state).toBe('pending');
    expect(await stack.vault.process.ended).toMatchObject({ signal: 'SIGKILL' });
    // The report's transaction died with the vault: the sidecar took the new value, the vault still
    // holds the old one as current, the new one pending and the work open.
    expect((await login(container, before.values.password!)).status).not.toBe(0);
    expect(await vaultRow()).toEqual({ current: before.version, pending: rotation.version, open: 1 });
    await stack.vault.restart({ HEARTH_FAILPOINTS: '' });

    await expectPromoted(mark, before, rotation.version);
  });

  it('left no generated password in the console’s database, a stream, a log or the sidecar’s docker inspect', async () => {
    // The first value and every rotation's (five rotations, each read once it was current).
    expect(generated.size).toBe(6);
    const places: Record<string, string> = {
      'docker inspect of the sidecar': (await docker(['inspect', container])).stdout,
      ...(await stack.placesASecretMustNotReach()),
    };
    expect(places['driver logs']).toContain('credential work done'); // the scan sees the driver's rotations
    for (const password of generated) expect(placesHolding(places, password)).toEqual([]);
  });
});
