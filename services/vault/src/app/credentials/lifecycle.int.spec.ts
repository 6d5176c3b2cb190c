import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Subjects, TokenAuthenticateRequest, type CredentialDetails, type SecretMetadata } from '@hearth/contracts';
import { eventMark, eventsSince, respondSigned, sharedServiceKeys } from '@hearth/testkit';
import { createHash } from 'node:crypto';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

const CANARY = 'canary-lifecycle-51be';
const OPERATOR_TOKEN = 'operator-token';

let h: VaultHarness;
beforeAll(async () => {
  h = await startVaultHarness();
  // The console's answer about operator tokens, as operator-metadata.int.spec answers it.
  const operatorHash = createHash('sha256').update(OPERATOR_TOKEN).digest('hex');
  h.nc.subscribe(Subjects.tokenAuthenticate, {
    callback: (_error, msg) => {
      const { token_sha256 } = TokenAuthenticateRequest.parse(msg.json());
      const holder = token_sha256 === operatorHash ? { name: 'ops', role: 'operator' } : null;
      respondSigned(msg, Subjects.tokenAuthenticate, holder, sharedServiceKeys().signer('console'));
    },
  });
  await h.nc.flush();
});
afterAll(() => h?.close());

const get = async (path: string) => {
  const response = await fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
  return { status: response.status, text: await response.text() };
};

describe('a credential’s status', () => {
  it('deactivated, is not read — the refusal recorded as INACTIVE — until it is activated again', async () => {
    const path = 'hearth/life/db';
    await h.root.write({ path, type: 'postgres', values: { host: 'db', username: 'app', password: CANARY } });
    const { client: reader } = await h.principal('life-reader', [{ pattern: 'hearth/life/*', capabilities: ['read'] }]);
    const from = await eventMark(h.db.name);
    const details = await h.root.setCredentialActive(path, false);
    expect(details).toMatchObject({ path, active: false });
    expect(details.history.map((e) => e.type)).toEqual(['SecretVersionWrittenV1', 'CredentialDeactivatedV1']);
    await expect(reader.read(path)).rejects.toMatchObject({ code: 'VAULT.CREDENTIAL_INACTIVE' });
    const reads = await eventsSince(h.db.name, from, { type: 'SecretReadV1' });
    expect(reads.map((e) => [e.data.actor, e.data.version, e.data.outcome, e.data.reason])).toEqual([
      ['life-reader', 1, 'INACTIVE', 'VAULT.CREDENTIAL_INACTIVE'],
    ]);
    expect((await eventsSince(h.db.name, from, { type: 'CredentialDeactivatedV1' })).map((e) => e.data.by)).toEqual([
      'root',
    ]);

    expect(await h.root.setCredentialActive(path, true)).toMatchObject({ active: true });
    expect((await reader.read(path)).values.password).toBe(CANARY);
  });

  it('is changed only by a writer of the path, and only of a credential that exists', async () => {
    await h.root.write({ path: 'hearth/life/other', values: { TOKEN: CANARY } });
    const { client: reader } = await h.principal('life-lister', [
      { pattern: 'hearth/life/*', capabilities: ['list', 'read'] },
    ]);
    await expect(reader.setCredentialActive('hearth/life/other', false)).rejects.toMatchObject({
      code: 'VAULT.POLICY_DENIED',
    });
    await expect(h.root.setCredentialActive('hearth/life/none', false)).rejects.toMatchObject({
      code: 'VAULT.SECRET_NOT_FOUND',
    });
    expect((await reader.credential('hearth/life/other')).active).toBe(true);
  });
});

describe('a rotation schedule', () => {
  it('is refused for a USER credential, and set and cleared for a generated one', async () => {
    await h.root.write({ path: 'hearth/sched/user', type: 'redis', values: { host: 'cache', password: CANARY } });
    await expect(h.root.scheduleRotation('hearth/sched/user', 7)).rejects.toMatchObject({
      code: 'VAULT.ROTATION_UNSUPPORTED',
    });
    expect((await h.root.credential('hearth/sched/user')).rotation_days).toBeNull();

    const path = 'hearth/sched/auto';
    await h.root.write({ path, provider: 'AUTO_MANAGED', type: 'redis', values: { host: 'cache', password: CANARY } });
    const set = await h.root.scheduleRotation(path, 7);
    expect(set.rotation_days).toBe(7);
    expect(Date.parse(set.next_rotation_at!)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    expect(set.history.at(-1)).toMatchObject({
      type: 'CredentialScheduleSetV1',
      by: 'root',
      detail: { every_days: 7 },
    });
    expect(await h.root.scheduleRotation(path, null)).toMatchObject({ rotation_days: null, next_rotation_at: null });
  });
});

describe('get', () => {
  it('answers metadata, versions and the history of writes and changes, never a value, to a lister', async () => {
    const path = 'hearth/get/api';
    await h.root.write({ path, type: 'http_bearer', values: { url: 'https://api.acme.test', token: `${CANARY}-1` } });
    await h.root.write({ path, type: 'http_bearer', values: { url: 'https://api.acme.test', token: `${CANARY}-2` } });
    await h.root.destroy(path, [1]);
    await h.root.setCredentialActive(path, false);
    const { client: lister } = await h.principal('get-lister', [{ pattern: 'hearth/get/*', capabilities: ['list'] }]);
    const details = await lister.credential(path);
    expect(details).toMatchObject({
      path,
      type: 'http_bearer',
      current_version: 2,
      active: false,
      fields: { url: 'https://api.acme.test' },
    });
    expect(details.versions.map((v) => [v.version, v.destroyed])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(details.history.map((e) => [e.type, e.by, e.version])).toEqual([
      ['SecretVersionWrittenV1', 'root', 1],
      ['SecretVersionWrittenV1', 'root', 2],
      ['SecretVersionsDestroyedV1', 'root', null],
      ['CredentialDeactivatedV1', 'root', null],
    ]);
    expect(details.history[0]!.detail).toMatchObject({
      type: 'http_bearer',
      provider: 'USER',
      environment: 'production',
    });
    expect(details.history[2]!.detail).toMatchObject({ versions: '1', reason: 'destroy' });
    expect(JSON.stringify(details)).not.toContain(CANARY);

    const { client: stranger } = await h.principal('get-stranger', [
      { pattern: 'hearth/elsewhere/*', capabilities: ['list'] },
    ]);
    await expect(stranger.credential(path)).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    await expect(lister.credential('hearth/get/none')).rejects.toMatchObject({ code: 'VAULT.SECRET_NOT_FOUND' });
  });
});

describe('list filters', () => {
  beforeAll(async () => {
    const soon = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const later = new Date(Date.now() + 30 * 86_400_000).toISOString();
    await h.root.write({
      path: 'hearth/lf/pg-prod',
      type: 'postgres',
      values: { host: 'db', username: 'a', password: CANARY },
      expires_at: soon,
    });
    await h.root.write({
      path: 'hearth/lf/pg-staging',
      type: 'postgres',
      environment: 'staging',
      values: { host: 'db', username: 'a', password: CANARY },
      expires_at: later,
    });
    await h.root.write({ path: 'hearth/lf/redis', type: 'redis', values: { host: 'cache', password: CANARY } });
    await h.root.write({ path: 'hearth/lf/plain', values: { TOKEN: CANARY } });
    await h.root.setCredentialActive('hearth/lf/redis', false);
  });
  const paths = (rows: SecretMetadata[]) => rows.map((r) => r.path);

  it('narrow by type, environment, active flag and expiry within N seconds, over NATS', async () => {
    expect(paths(await h.root.list('hearth/lf/', { type: 'postgres' }))).toEqual([
      'hearth/lf/pg-prod',
      'hearth/lf/pg-staging',
    ]);
    expect(paths(await h.root.list('hearth/lf/', { type: 'generic' }))).toEqual(['hearth/lf/plain']);
    expect(paths(await h.root.list('hearth/lf/', { environment: 'staging' }))).toEqual(['hearth/lf/pg-staging']);
    expect(paths(await h.root.list('hearth/lf/', { active: false }))).toEqual(['hearth/lf/redis']);
    expect(paths(await h.root.list('hearth/lf/', { active: true, environment: 'production' }))).toEqual([
      'hearth/lf/pg-prod',
      'hearth/lf/plain',
    ]);
    expect(paths(await h.root.list('hearth/lf/', { expiring_within_seconds: 7 * 86_400 }))).toEqual([
      'hearth/lf/pg-prod',
    ]);
    expect(paths(await h.root.list('hearth/lf/', { expiring_within_seconds: 60 * 86_400 }))).toEqual([
      'hearth/lf/pg-prod',
      'hearth/lf/pg-staging',
    ]);
  });

  it('narrow the operators’ HTTP list too, whose details and types hold no value', async () => {
    const listed = await get('/v1/credentials?prefix=hearth/lf/&type=postgres&expiring_within_seconds=604800');
    expect(listed.status).toBe(200);
    expect(paths(JSON.parse(listed.text) as SecretMetadata[])).toEqual(['hearth/lf/pg-prod']);
    const inactive = await get('/v1/credentials?prefix=hearth/lf/&active=false');
    expect(paths(JSON.parse(inactive.text) as SecretMetadata[])).toEqual(['hearth/lf/redis']);
    expect((await get('/v1/credentials?prefix=hearth/lf/&active=maybe')).status).toBe(400);

    const details = await get('/v1/credentials/hearth/lf/pg-prod');
    expect(details.status).toBe(200);
    const parsed = JSON.parse(details.text) as CredentialDetails;
    expect(parsed).toMatchObject({
      path: 'hearth/lf/pg-prod',
      type: 'postgres',
      fields: { host: 'db', username: 'a' },
    });
    expect(parsed.history.map((e) => e.type)).toEqual(['SecretVersionWrittenV1']);
    expect((await get('/v1/credentials/hearth/lf/none')).status).toBe(404);

    const types = await get('/v1/credential-types');
    expect(types.status).toBe(200);
    expect((JSON.parse(types.text) as Array<{ name: string }>).map((t) => t.name)).toContain('ssh_private_key');
    for (const { text } of [listed, inactive, details, types]) expect(text).not.toContain(CANARY);
  });
});
