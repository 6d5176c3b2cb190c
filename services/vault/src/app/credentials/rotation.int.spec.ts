import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HatchStream, openSealed, type CredentialWork, type PrincipalKeys, type VaultClient } from '@hearth/contracts';
import { eventMark, eventsSince, expectNewEvents, queryDatabase, streamMessages, until } from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

const DRIVER_RULE = { pattern: 'hearth/*', capabilities: ['write' as const, 'list' as const, 'destroy' as const] };

/** A sidecar's credential as the driver writes it. */
const sidecarValues = (password: string) => ({
  host: 'acme-db',
  port: '5432',
  username: 'app',
  password,
  database: 'app',
});

describe('rotating credentials', () => {
  let h: VaultHarness;
  /** A test client acting as the driver: it made the AUTO_MANAGED credentials, so their work is its own. */
  let driver: VaultClient;
  let driverKeys: PrincipalKeys;
  /** Another principal with the same rights, which made none of them. */
  let other: VaultClient;
  /** Reads generated values (only a principal granted the workspace does). */
  let reader: VaultClient;

  beforeAll(async () => {
    h = await startVaultHarness({ VAULT_CREDENTIAL_WORK_CLAIM_SECONDS: '1', VAULT_ROTATION_CHECK_SECONDS: '0.2' });
    ({ client: driver, keys: driverKeys } = await h.principal('driver', [DRIVER_RULE]));
    other = (await h.principal('other-writer', [DRIVER_RULE])).client;
    reader = (await h.principal('acme-reader', [{ pattern: 'hearth/acme/*', capabilities: ['read'] }])).client;
  });
  afterAll(() => h?.close());

  const sidecar = async (path: string, password = 'old-sidecar-password') => {
    await driver.write({ path, provider: 'AUTO_MANAGED', type: 'postgres', values: sidecarValues(password) });
  };
  const metadataOf = async (path: string) => (await h.root.list(path)).find((s) => s.path === path)!;
  /** Claims until the driver's work holds an item for `path` (a claim taken before may first have to time out). */
  const claimFor = async (path: string): Promise<CredentialWork> => {
    let found: CredentialWork | undefined;
    await until(async () => (found = (await driver.claimCredentialWork()).find((w) => w.path === path)) !== undefined, {
      timeoutMs: 15_000,
      what: `work for ${path}`,
    });
    return found!;
  };

  it('rotates a USER credential by a new version, the old one readable by its number', async () => {
    await h.root.write({ path: 'hearth/u1', values: { API_TOKEN: 'first-token' } });
    const from = await eventMark(h.db.name);
    expect(await h.root.rotateCredential('hearth/u1', { API_TOKEN: 'second-token' })).toEqual({
      path: 'hearth/u1',
      state: 'promoted',
      version: 2,
    });
    expect((await h.root.read('hearth/u1')).values).toEqual({ API_TOKEN: 'second-token' });
    expect((await h.root.read('hearth/u1', 1)).values).toEqual({ API_TOKEN: 'first-token' });
    const events = await eventsSince(h.db.name, from);
    expect(events.filter((e) => e.type !== 'SecretReadV1').map((e) => [e.type, e.data])).toEqual([
      ['SecretVersionWrittenV1', expect.objectContaining({ path: 'hearth/u1', version: 2, rotated_from: 1 })],
      ['CredentialRotatedV1', expect.objectContaining({ step: 'promoted', version: 2, provider: 'USER', by: 'root' })],
    ]);
    // Both on their way to HATCH: published once the relay drained the outbox.
    await until(
      async () => (await queryDatabase<{ n: number }>(h.db.name, 'SELECT count(*)::int AS n FROM outbox'))[0]!.n === 0,
      { what: 'the outbox drained' },
    );
    const ids = new Set(events.map((e) => e.id));
    const hatch = (await streamMessages(await jetstreamManager(h.nc), HatchStream.name)).filter((m) =>
      ids.has(m.headers['Nats-Msg-Id']!),
    );
    expect(hatch.map((m) => m.subject).sort()).toEqual([
      'hatch.vault.credential.rotate',
      'hatch.vault.secret.read',
      'hatch.vault.secret.read',
      'hatch.vault.secret.write',
    ]);
    // A USER credential has no value the vault could make.
    await expect(h.root.rotateCredential('hearth/u1')).rejects.toMatchObject({ code: 'HEARTH.INVALID_REQUEST' });
  });

  it('rotates an AUTO_MANAGED credential through its driver: pending, claimed, applied, promoted, the old version shredded', async () => {
    const path = 'hearth/acme/db';
    await sidecar(path);
    const from = await eventMark(h.db.name);
    expect(await h.root.rotateCredential(path)).toEqual({ path, state: 'pending', version: 2 });
    await expect(h.root.rotateCredential(path)).rejects.toMatchObject({ code: 'VAULT.ROTATION_IN_PROGRESS' });
    expect((await metadataOf(path)).pending_version).toBe(2);
    // The value stays the old one until the sidecar took the new one.
    expect((await reader.read(path)).values.password).toBe('old-sidecar-password');

    expect(await other.claimCredentialWork()).toEqual([]);
    const [work, ...more] = await driver.claimCredentialWork();
    expect(more).toEqual([]);
    expect(work).toMatchObject({ kind: 'rotate', path, type: 'postgres', workspace_slug: 'acme', version: 2 });
    const values = driver.openCredentialWork(work!);
    // as written, with the type's defaults applied (sslmode)
    expect(values.current).toEqual({ ...sidecarValues('old-sidecar-password'), sslmode: 'prefer' });
    const { password, ...kept } = values.pending!;
    expect(kept).toEqual({ host: 'acme-db', port: '5432', username: 'app', database: 'app', sslmode: 'prefer' });
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Claimed, it is not handed out again until the claim times out.
    expect(await driver.claimCredentialWork()).toEqual([]);

    expect(
      await driver.reportCredentialWork({ id: work!.id, path, version: 2, outcome: 'applied', message: 'login ok' }),
    ).toEqual({ path, version: 2 });
    expect((await reader.read(path)).values).toEqual(values.pending);
    await expect(reader.read(path, 1)).rejects.toMatchObject({ code: 'VAULT.SECRET_NOT_FOUND' });
    const metadata = await metadataOf(path);
    expect([metadata.current_version, metadata.pending_version, metadata.last_rotated_at !== null]).toEqual([
      2,
      null,
      true,
    ]);
    const events = await expectNewEvents(h.db.name, from, [
      { type: 'CredentialRotatedV1', data: { step: 'requested', version: 2, by: 'root' } },
      { type: 'AccessDeniedV1', data: { reason: 'VAULT.ROTATION_IN_PROGRESS' } },
      { type: 'SecretReadV1', data: { actor: 'acme-reader', version: 1, outcome: 'OK' } },
      { type: 'SecretReadV1', data: { actor: 'driver', path, version: 1, outcome: 'OK' } },
      { type: 'SecretReadV1', data: { actor: 'driver', path, version: 2, outcome: 'OK' } },
      { type: 'CredentialRotatedV1', data: { step: 'applied', version: 2, by: 'driver' } },
      { type: 'SecretVersionWrittenV1', data: { version: 2, rotated_from: 1, created_by: 'driver', type: 'postgres' } },
      { type: 'CredentialRotatedV1', data: { step: 'promoted', version: 2 } },
      { type: 'SecretVersionsDestroyedV1', data: { versions: [1], reason: 'destroy' } },
      { type: 'SecretReadV1', data: { actor: 'acme-reader', version: 2 } },
      { type: 'SecretReadV1', data: { actor: 'acme-reader', outcome: 'NOT_FOUND' } },
    ]);
    expect(events[3]!.data.request_id).toMatch(new RegExp(`/${work!.id}$`));
    expect(JSON.stringify(events)).not.toContain(password);

    // A report repeated (its reply lost) answers the same and changes nothing.
    const again = await eventMark(h.db.name);
    expect(
      await driver.reportCredentialWork({ id: work!.id, path, version: 2, outcome: 'applied', message: 'login ok' }),
    ).toEqual({ path, version: 2 });
    expect(await eventsSince(h.db.name, again)).toEqual([]);
    // Another principal cannot report the driver's work.
    await expect(
      other.reportCredentialWork({ id: work!.id, path, version: 2, outcome: 'failed', works: 'current', message: 'x' }),
    ).rejects.toMatchObject({ code: 'VAULT.WORK_NOT_FOUND' });
  });

  it('abandons a rotation whose sidecar kept the old value', async () => {
    const path = 'hearth/acme/cache';
    await sidecar(path);
    await h.root.rotateCredential(path);
    const work = await claimFor(path);
    const from = await eventMark(h.db.name);
    await driver.reportCredentialWork({
      id: work.id,
      path,
      version: 2,
      outcome: 'failed',
      works: 'current',
      message: 'ALTER ROLE failed',
    });
    await expectNewEvents(h.db.name, from, [
      { type: 'CredentialRotatedV1', data: { step: 'abandoned', version: 2, reason: 'ALTER ROLE failed' } },
    ]);
    expect((await metadataOf(path)).pending_version).toBeNull();
    expect((await reader.read(path)).values.password).toBe('old-sidecar-password');
    // Nothing left to apply: the work is closed.
    const [row] = await queryDatabase<{ outcome: string; done: boolean }>(
      h.db.name,
      'SELECT outcome, done_at IS NOT NULL AS done FROM credential_work WHERE path = $1',
      [path],
    );
    expect(row).toEqual({ outcome: 'failed', done: true });
  });

  it('promotes the pending value when the sidecar took it though the report says the attempt failed', async () => {
    const path = 'hearth/acme/half-done';
    await sidecar(path);
    await h.root.rotateCredential(path);
    const work = await claimFor(path);
    const from = await eventMark(h.db.name);
    await driver.reportCredentialWork({
      id: work.id,
      path,
      version: 2,
      outcome: 'failed',
      works: 'pending',
      message: 'the credential file could not be rewritten',
    });
    await expectNewEvents(h.db.name, from, [
      { type: 'CredentialRotatedV1', data: { step: 'applied', version: 2 } },
      { type: 'SecretVersionWrittenV1', data: { version: 2, rotated_from: 1 } },
      { type: 'CredentialRotatedV1', data: { step: 'promoted', version: 2 } },
      { type: 'SecretVersionsDestroyedV1', data: { versions: [1] } },
    ]);
    expect((await reader.read(path)).values).toEqual(driver.openCredentialWork(work).pending);
  });

  it('hands a claim out again after the claim timeout, and retries an attempt that left neither value working', async () => {
    const path = 'hearth/acme/queue';
    await sidecar(path);
    await h.root.rotateCredential(path);
    const first = await claimFor(path);
    // Not reported (a driver killed mid-apply): handed out again once the claim is older than the timeout.
    const second = await claimFor(path);
    expect(second.id).toBe(first.id);
    const from = await eventMark(h.db.name);
    await driver.reportCredentialWork({
      id: second.id,
      path,
      version: 2,
      outcome: 'failed',
      works: 'neither',
      message: 'no login',
    });
    await expectNewEvents(h.db.name, from, [{ type: 'CredentialRotatedV1', data: { step: 'failed', version: 2 } }]);
    expect((await metadataOf(path)).pending_version).toBe(2);
    const third = await claimFor(path);
    expect(third.id).toBe(first.id);
    await driver.reportCredentialWork({ id: third.id, path, version: 2, outcome: 'applied', message: 'login ok' });
    expect((await reader.read(path)).values).toEqual(driver.openCredentialWork(third).pending);
  });

  it('abandons a pending rotation when a new version is written, and closes its work', async () => {
    const path = 'hearth/acme/reprovisioned';
    await sidecar(path);
    await h.root.rotateCredential(path);
    const from = await eventMark(h.db.name);
    await sidecar(path, 'a-new-sidecar-password');
    await expectNewEvents(h.db.name, from, [
      { type: 'CredentialRotatedV1', data: { step: 'abandoned', version: 2 } },
      { type: 'SecretVersionWrittenV1', data: { version: 2 } },
    ]);
    expect((await driver.claimCredentialWork()).filter((w) => w.path === path)).toEqual([]);
    const [row] = await queryDatabase<{ outcome: string }>(
      h.db.name,
      'SELECT outcome FROM credential_work WHERE path = $1',
      [path],
    );
    expect(row).toEqual({ outcome: 'failed' });
  });

  it('starts the rotation of a credential whose schedule says so', async () => {
    const path = 'hearth/acme/scheduled';
    await sidecar(path);
    const from = await eventMark(h.db.name);
    await queryDatabase(
      h.db.name,
      `UPDATE secrets SET rotation_days = 30, next_rotation_at = now() - interval '1 second' WHERE path = $1`,
      [path],
    );
    await until(async () => (await metadataOf(path)).pending_version === 2, {
      timeoutMs: 10_000,
      what: 'the scheduled rotation',
    });
    const requested = (await eventsSince(h.db.name, from, { type: 'CredentialRotatedV1' })).map((e) => e.data);
    expect(requested).toEqual([expect.objectContaining({ path, step: 'requested', version: 2, by: 'vault' })]);
    const work = await claimFor(path);
    await driver.reportCredentialWork({ id: work.id, path, version: 2, outcome: 'applied', message: 'login ok' });
    const metadata = await metadataOf(path);
    expect(Date.parse(metadata.next_rotation_at!) - Date.parse(metadata.last_rotated_at!)).toBe(30 * 86_400_000);
  });

  it('tries a scheduled rotation its sidecar refused again a period later, not at every round', async () => {
    const path = 'hearth/acme/scheduled-refused';
    await sidecar(path);
    await queryDatabase(
      h.db.name,
      `UPDATE secrets SET rotation_days = 30, next_rotation_at = now() - interval '1 second' WHERE path = $1`,
      [path],
    );
    await until(async () => (await metadataOf(path)).pending_version === 2, { what: 'the scheduled rotation' });
    const work = await claimFor(path);
    await driver.reportCredentialWork({
      id: work.id,
      path,
      version: 2,
      outcome: 'failed',
      works: 'current',
      message: 'the sidecar refused the new value',
    });
    const metadata = await metadataOf(path);
    expect(metadata).toMatchObject({ current_version: 1, pending_version: null });
    expect(Date.parse(metadata.next_rotation_at!)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
  });

  it('gives tests of one sidecar credential asked together one check for its driver', async () => {
    const path = 'hearth/acme/checked-often';
    await sidecar(path);
    const checks = h.vault.credentialWork.sidecarChecks;
    const asked = [checks.check(path, 1, 15_000), checks.check(path, 1, 15_000), checks.check(path, 1, 15_000)];
    const work = await claimFor(path);
    const rows = await queryDatabase<{ n: number }>(
      h.db.name,
      `SELECT count(*)::int AS n FROM credential_work WHERE path = $1 AND kind = 'check'`,
      [path],
    );
    expect(rows).toEqual([{ n: 1 }]);
    await driver.reportCredentialWork({ id: work.id, path, version: 1, outcome: 'ok', message: 'login ok' });
    await expect(Promise.all(asked)).resolves.toEqual(Array(3).fill({ status: 'OK', message: 'login ok' }));
  });

  it("tests a sidecar credential through its driver's check, TIMEOUT when no report comes", async () => {
    const path = 'hearth/acme/checked';
    await sidecar(path);
    const checks = h.vault.credentialWork.sidecarChecks;
    await expect(checks.check(path, 1, 200)).resolves.toEqual({
      status: 'TIMEOUT',
      message: expect.stringContaining('200 ms'),
    });
    // The timed-out check is closed: the driver is not asked for it later.
    expect((await driver.claimCredentialWork()).filter((w) => w.path === path)).toEqual([]);

    const checked = checks.check(path, 1, 15_000);
    const work = await claimFor(path);
    expect(work).toMatchObject({ kind: 'check', version: 1 });
    expect(driver.openCredentialWork(work)).toMatchObject({
      current: sidecarValues('old-sidecar-password'),
      pending: null,
    });
    await driver.reportCredentialWork({
      id: work.id,
      path,
      version: 1,
      outcome: 'failed',
      message: 'password authentication failed',
    });
    await expect(checked).resolves.toEqual({ status: 'FAILED', message: 'password authentication failed' });
  });

  it("seals the work of a driver in a session with the session's key: its principal key, stolen later, opens nothing", async () => {
    const path = 'hearth/acme/forward-secret';
    await sidecar(path);
    await h.root.rotateCredential(path);
    const work = await claimFor(path);
    expect(() => openSealed(Buffer.from(work.sealed, 'base64'), driverKeys)).toThrow();
    const values = driver.openCredentialWork(work);
    expect(values.current).toMatchObject(sidecarValues('old-sidecar-password'));
    await driver.reportCredentialWork({ id: work.id, path, version: 2, outcome: 'applied', message: 'login ok' });
    expect((await reader.read(path)).values).toEqual(values.pending);
  });
});
