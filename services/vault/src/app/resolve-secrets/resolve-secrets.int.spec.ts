import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  cryptoReady,
  generatePrincipalKeys,
  HatchStream,
  Subjects,
  VaultClient,
  type Capability,
  type WorkspaceScope,
} from '@hearth/contracts';
import {
  databaseText,
  eventMark,
  eventsSince,
  jetStreamText,
  respondSigned,
  sharedServiceKeys,
  streamMessages,
  until,
  type RecordedEvent,
} from '@hearth/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Subscription } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

/** The console's tenancy tree, as this test's stand-in answers `console.workspace.scope`. */
const TREE: Record<string, WorkspaceScope> = {
  web: { workspace: 'web', team: 'platform', org: 'acme' },
  api: { workspace: 'api', team: 'platform', org: 'acme' },
  etl: { workspace: 'etl', team: 'data', org: 'acme' },
};
const CANARY = `canary-resolve-${randomBytes(9).toString('base64url')}`;
const EVERY_SCOPE: Capability[] = ['resolve'];
const DISPATCHER = [
  { pattern: 'hearth/*', capabilities: EVERY_SCOPE },
  { pattern: 'team/*', capabilities: EVERY_SCOPE },
  { pattern: 'org/*', capabilities: EVERY_SCOPE },
];

describe('resolving a workspace’s credentials (vault.secret.resolve)', () => {
  let h: VaultHarness;
  let driver: VaultClient;
  let asked: string[];
  let consoleAnswers: Subscription;

  /** The console as the vault meets it: its signed answer, null for a workspace it does not know. */
  const answerAsConsole = () =>
    h.nc.subscribe(Subjects.workspaceScope, {
      callback: (_error, msg) => {
        const { workspace } = msg.json<{ workspace: string }>();
        asked.push(workspace);
        respondSigned(msg, Subjects.workspaceScope, TREE[workspace] ?? null, sharedServiceKeys().signer('console'));
      },
    });
  const of = (events: RecordedEvent[], type: string) => events.filter((e) => e.type === type);

  beforeAll(async () => {
    await cryptoReady();
    const driverKeys = generatePrincipalKeys();
    h = await startVaultHarness({ VAULT_DRIVER_PUBLIC_KEY: driverKeys.publicKey });
    asked = [];
    consoleAnswers = answerAsConsole();
    // The driver as the vault makes it at start: resolve on hearth/*, team/* and org/*.
    driver = new VaultClient(h.nc, 'driver-localdocker', driverKeys, { vaultSealKey: h.sealPublicKey });
    // the same name at org, team and workspace
    await h.root.write({ path: 'org/acme/openai', values: { OPENAI_API_KEY: 'org-openai' } });
    await h.root.write({ path: 'team/platform/openai', values: { OPENAI_API_KEY: 'team-openai' } });
    await h.root.write({ path: 'hearth/web/openai', values: { OPENAI_API_KEY: 'web-openai' } });
    // at org and team only (the team's in its second version)
    await h.root.write({ path: 'org/acme/slack', values: { SLACK_TOKEN: 'org-slack' } });
    await h.root.write({ path: 'team/platform/slack', values: { SLACK_TOKEN: 'team-slack-1' } });
    await h.root.write({ path: 'team/platform/slack', values: { SLACK_TOKEN: 'team-slack-2' } });
    // at org only: the canary
    await h.root.write({ path: 'org/acme/github', values: { GITHUB_TOKEN: CANARY } });
    // expired at the narrowest scope, valid at the org
    await h.root.write({ path: 'org/acme/anthropic', values: { ANTHROPIC_API_KEY: 'org-anthropic' } });
    await h.root.write({
      path: 'hearth/web/anthropic',
      values: { ANTHROPIC_API_KEY: 'web-anthropic-expired' },
      expires_at: new Date(Date.now() - 60_000).toISOString(),
    });
    // the sidecar credential the driver generated for the workspace, typed: POSTGRES_<FIELD>
    await driver.write({
      path: 'hearth/web',
      type: 'postgres',
      tags: { env_prefix: 'POSTGRES' },
      values: { host: 'web-pg', port: '5432', username: 'app', password: 'web-pg-password', database: 'app' },
      provider: 'AUTO_MANAGED',
    });
    // another workspace's, which web never gets
    await h.root.write({ path: 'hearth/webshop/openai', values: { OPENAI_API_KEY: 'webshop-openai' } });
  });
  afterAll(() => h?.close());

  it('gives each name from the narrowest scope offering it, sealed to the caller, with one read per value', async () => {
    const from = await eventMark(h.db.name);
    const refs = ['OPENAI_API_KEY', 'SLACK_TOKEN', 'GITHUB_TOKEN', 'POSTGRES_PASSWORD', 'POSTGRES_HOST'];
    const resolved = await driver.resolve({ workspace: 'web', refs });
    expect(resolved.values).toEqual({
      OPENAI_API_KEY: 'web-openai',
      SLACK_TOKEN: 'team-slack-2',
      GITHUB_TOKEN: CANARY,
      POSTGRES_PASSWORD: 'web-pg-password',
      POSTGRES_HOST: 'web-pg',
    });
    expect({ team: resolved.team, org: resolved.org, refused: resolved.refused }).toEqual({
      team: 'platform',
      org: 'acme',
      refused: [],
    });
    expect(resolved.names.map(({ name, scope, path, version }) => [name, scope, path, version])).toEqual([
      ['OPENAI_API_KEY', 'workspace', 'hearth/web/openai', 1],
      ['SLACK_TOKEN', 'team', 'team/platform/slack', 2],
      ['GITHUB_TOKEN', 'org', 'org/acme/github', 1],
      ['POSTGRES_PASSWORD', 'workspace', 'hearth/web', 1],
      ['POSTGRES_HOST', 'workspace', 'hearth/web', 1],
    ]);

    const events = await eventsSince(h.db.name, from);
    const [resolution] = of(events, 'SecretsResolvedV1');
    expect(resolution).toMatchObject({
      id: resolved.resolve_event_id,
      data: {
        actor: 'driver-localdocker',
        workspace_slug: 'web',
        team: 'platform',
        org: 'acme',
        preview: false,
        outcome: 'OK',
      },
    });
    const reads = of(events, 'SecretReadV1');
    expect(events).toHaveLength(reads.length + 1);
    expect(reads.map((r) => [r.id, r.data])).toEqual(
      resolved.names.map((n) => [
        n.read_event_id,
        expect.objectContaining({
          actor: 'driver-localdocker',
          path: n.path,
          version: n.version,
          outcome: 'OK',
          request_id: resolution!.data.request_id,
          resolved: { name: n.name, scope: n.scope, resolve_id: resolved.resolve_event_id },
        }),
      ]),
    );
    expect(JSON.stringify(events)).not.toContain(CANARY);

    // what HATCH gets: each of them on the HATCH stream, by event id
    const jsm = await jetstreamManager(h.nc);
    const ids = [resolved.resolve_event_id, ...resolved.names.map((n) => n.read_event_id)];
    await until(
      async () => {
        const published = (await streamMessages(jsm, HatchStream.name)).map((m) => m.headers['Nats-Msg-Id']);
        return ids.every((id) => published.includes(id!));
      },
      { what: 'the resolution and its reads on the HATCH stream' },
    );
  });

  it('refuses the whole set when the narrowest credential of a name has expired: named, recorded, never the wider one', async () => {
    const from = await eventMark(h.db.name);
    const refused = driver.resolve({ workspace: 'web', refs: ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY'] });
    await expect(refused).rejects.toMatchObject({
      code: 'VAULT.RESOLVE_REFUSED',
      message: expect.stringContaining('ANTHROPIC_API_KEY (VAULT.SECRET_EXPIRED at hearth/web/anthropic)') as unknown,
    });
    const error = await refused.catch((e: unknown) => JSON.stringify(e) + String(e));
    for (const value of ['web-anthropic-expired', 'org-anthropic', 'web-openai']) expect(error).not.toContain(value);
    const events = await eventsSince(h.db.name, from);
    expect(of(events, 'SecretReadV1').map((e) => e.data)).toEqual([
      expect.objectContaining({
        path: 'hearth/web/anthropic',
        version: 1,
        outcome: 'EXPIRED',
        reason: 'VAULT.SECRET_EXPIRED',
        resolved: expect.objectContaining({ name: 'ANTHROPIC_API_KEY', scope: 'workspace' }) as unknown,
      }),
    ]);
    expect(of(events, 'SecretsResolvedV1').map((e) => e.data)).toEqual([
      expect.objectContaining({
        outcome: 'EXPIRED',
        reason: 'VAULT.RESOLVE_REFUSED',
        names: [
          { name: 'OPENAI_API_KEY', scope: 'workspace', path: 'hearth/web/openai', version: 1, outcome: 'OK' },
          {
            name: 'ANTHROPIC_API_KEY',
            scope: 'workspace',
            path: 'hearth/web/anthropic',
            version: 1,
            outcome: 'EXPIRED',
          },
        ],
      }),
    ]);
    expect(events).toHaveLength(2);
  });

  it('refuses a name whose narrowest scope a deny rule covers, and still gives a name only a wider scope offers', async () => {
    const { client } = await h.principal('no-team-platform', [
      ...DISPATCHER,
      { pattern: 'team/platform/*', capabilities: ['resolve'], effect: 'deny' },
    ]);
    const from = await eventMark(h.db.name);
    await expect(client.resolve({ workspace: 'web', refs: ['SLACK_TOKEN'] })).rejects.toMatchObject({
      code: 'VAULT.RESOLVE_REFUSED',
      message: expect.stringContaining('SLACK_TOKEN (VAULT.POLICY_DENIED at team/platform/slack)') as unknown,
    });
    expect((await eventsSince(h.db.name, from)).map((e) => [e.type, e.data.outcome, e.data.path ?? null])).toEqual([
      ['SecretsResolvedV1', 'DENIED', null],
      ['SecretReadV1', 'DENIED', 'team/platform/slack'],
    ]);
    expect((await client.resolve({ workspace: 'web', refs: ['GITHUB_TOKEN'] })).values).toEqual({
      GITHUB_TOKEN: CANARY,
    });
  });

  it('previews names, scopes and versions with list on the workspace: no value, no read, one record', async () => {
    const { client } = await h.principal('ops-viewer', [{ pattern: '*', capabilities: ['list'] }]);
    const from = await eventMark(h.db.name);
    const preview = await client.resolve({ workspace: 'web', preview: true });
    expect(preview.values).toEqual({});
    expect(preview.names.map((n) => [n.name, n.path, n.read_event_id])).toEqual([
      ['GITHUB_TOKEN', 'org/acme/github', null],
      ['OPENAI_API_KEY', 'hearth/web/openai', null],
      ['POSTGRES_DATABASE', 'hearth/web', null],
      ['POSTGRES_HOST', 'hearth/web', null],
      ['POSTGRES_PASSWORD', 'hearth/web', null],
      ['POSTGRES_PORT', 'hearth/web', null],
      ['POSTGRES_SSLMODE', 'hearth/web', null],
      ['POSTGRES_USERNAME', 'hearth/web', null],
      ['SLACK_TOKEN', 'team/platform/slack', null],
    ]);
    expect(preview.refused).toEqual([
      expect.objectContaining({
        name: 'ANTHROPIC_API_KEY',
        path: 'hearth/web/anthropic',
        code: 'VAULT.SECRET_EXPIRED',
      }),
    ]);
    const events = await eventsSince(h.db.name, from);
    expect(events.map((e) => [e.type, e.id, e.data.preview, e.data.outcome])).toEqual([
      ['SecretsResolvedV1', preview.resolve_event_id, true, 'OK'],
    ]);
    // list is no resolve: the same caller dispatching is refused at the gate
    await expect(client.resolve({ workspace: 'web' })).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
  });

  it('refuses a caller not granted resolve on the workspace, and records it DENIED', async () => {
    const { client } = await h.principal('webshop-only', [
      { pattern: 'hearth/webshop/*', capabilities: ['resolve'] },
      { pattern: 'org/*', capabilities: ['resolve'] },
    ]);
    const from = await eventMark(h.db.name);
    await expect(client.resolve({ workspace: 'web' })).rejects.toMatchObject({ code: 'VAULT.POLICY_DENIED' });
    expect((await eventsSince(h.db.name, from)).map((e) => [e.type, e.data])).toEqual([
      [
        'SecretsResolvedV1',
        expect.objectContaining({
          actor: 'webshop-only',
          workspace_slug: 'web',
          outcome: 'DENIED',
          reason: 'VAULT.POLICY_DENIED',
          names: [],
        }),
      ],
    ]);
  });

  it('refuses a stated team or org that is not the workspace’s, recorded DENIED with the console’s', async () => {
    const from = await eventMark(h.db.name);
    await expect(driver.resolve({ workspace: 'web', team: 'data' })).rejects.toMatchObject({
      code: 'VAULT.SCOPE_MISMATCH',
    });
    await expect(driver.resolve({ workspace: 'web', team: 'platform', org: 'globex' })).rejects.toMatchObject({
      code: 'VAULT.SCOPE_MISMATCH',
    });
    expect((await eventsSince(h.db.name, from)).map((e) => [e.type, e.data])).toEqual(
      Array.from({ length: 2 }, () => [
        'SecretsResolvedV1',
        expect.objectContaining({
          workspace_slug: 'web',
          team: 'platform',
          org: 'acme',
          outcome: 'DENIED',
          reason: 'VAULT.SCOPE_MISMATCH',
          names: [],
        }),
      ]),
    );
    // stating the right ones is fine
    const right = await driver.resolve({ workspace: 'web', team: 'platform', org: 'acme', refs: ['SLACK_TOKEN'] });
    expect(right.values).toEqual({ SLACK_TOKEN: 'team-slack-2' });
  });

  it('refuses a workspace the console does not know, recorded; asks again next time (only a known place is cached)', async () => {
    asked = [];
    const from = await eventMark(h.db.name);
    for (let i = 0; i < 2; i++) {
      await expect(driver.resolve({ workspace: 'nowhere' })).rejects.toMatchObject({
        code: 'CONSOLE.WORKSPACE_NOT_FOUND',
      });
    }
    expect(asked).toEqual(['nowhere', 'nowhere']);
    expect(
      (await eventsSince(h.db.name, from)).map((e) => [e.data.workspace_slug, e.data.outcome, e.data.reason]),
    ).toEqual([
      ['nowhere', 'DENIED', 'CONSOLE.WORKSPACE_NOT_FOUND'],
      ['nowhere', 'DENIED', 'CONSOLE.WORKSPACE_NOT_FOUND'],
    ]);
  });

  it('hands out nothing while the console cannot be asked (a workspace not cached), and records nothing', async () => {
    consoleAnswers.unsubscribe();
    try {
      const from = await eventMark(h.db.name);
      await expect(driver.resolve({ workspace: 'etl' })).rejects.toMatchObject({ code: 'HEARTH.UNAVAILABLE' });
      expect(await eventsSince(h.db.name, from)).toEqual([]);
    } finally {
      consoleAnswers = answerAsConsole();
    }
    await h.root.write({ path: 'team/data/warehouse', values: { WAREHOUSE_URL: 'etl-warehouse' } });
    expect((await driver.resolve({ workspace: 'etl', refs: ['WAREHOUSE_URL'] })).values).toEqual({
      WAREHOUSE_URL: 'etl-warehouse',
    });
  });

  it('gives root no generated value through a resolution either', async () => {
    await expect(h.root.resolve({ workspace: 'web', refs: ['POSTGRES_PASSWORD'] })).rejects.toMatchObject({
      code: 'VAULT.RESOLVE_REFUSED',
      message: expect.stringContaining('VAULT.AUTO_MANAGED_VALUE at hearth/web') as unknown,
    });
    expect((await h.root.resolve({ workspace: 'web', refs: ['OPENAI_API_KEY'] })).values).toEqual({
      OPENAI_API_KEY: 'web-openai',
    });
  });

  it('keeps the canary only as ciphertext: not in any row in clear, not on the bus, not in the logs', async () => {
    const jsm = await jetstreamManager(h.nc);
    expect(await databaseText(h.db.name)).not.toContain(CANARY);
    expect(await jetStreamText(jsm)).not.toContain(CANARY);
    expect(h.logs.join('\n')).not.toContain(CANARY);
    const [row] = await h.vault.runtime.dataSource.query<Array<{ ciphertext: Buffer }>>(
      `SELECT ciphertext FROM secret_versions WHERE path = 'org/acme/github'`,
    );
    expect(row!.ciphertext.toString('latin1')).not.toContain(CANARY);
  });
});
