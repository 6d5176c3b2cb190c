import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Subjects, TokenAuthenticateRequest, type AuthenticatedOperator } from '@hearth/contracts';
import { respondSigned, sharedServiceKeys } from '@hearth/testkit';
import { createHash } from 'node:crypto';
import { startVaultHarness, type VaultHarness } from '../../test/vault-harness.js';

/** Console tokens and who holds them, as the console answers `console.token.authenticate`. */
const HOLDERS: Record<string, AuthenticatedOperator> = {
  'operator-token': { name: 'ops', role: 'operator' },
  'auditor-token': { name: 'audit', role: 'auditor' },
};

describe("the operators' metadata over HTTP", () => {
  let h: VaultHarness;
  const get = async (path: string, token?: string) => {
    const response = await fetch(`${h.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return { status: response.status, text: await response.text() };
  };

  beforeAll(async () => {
    h = await startVaultHarness();
    const byHash = new Map(
      Object.entries(HOLDERS).map(([token, holder]) => [createHash('sha256').update(token).digest('hex'), holder]),
    );
    h.nc.subscribe(Subjects.tokenAuthenticate, {
      callback: (_error, msg) => {
        const { token_sha256 } = TokenAuthenticateRequest.parse(msg.json());
        const holder = byHash.get(token_sha256) ?? null;
        respondSigned(msg, Subjects.tokenAuthenticate, holder, sharedServiceKeys().signer('console'));
      },
    });
    await h.nc.flush();
    await h.root.write({ path: 'hearth/meta/db', values: { POSTGRES_PASSWORD: 'meta-value-1' } });
    await h.root.write({ path: 'hearth/meta/db', values: { POSTGRES_PASSWORD: 'meta-value-2' } });
  });
  afterAll(() => h?.close());

  it('lists paths and versions for an operator, and never a value', async () => {
    const listed = await get('/v1/secrets?prefix=hearth/meta/', 'operator-token');
    expect(listed.status).toBe(200);
    expect(JSON.parse(listed.text)).toEqual([expect.objectContaining({ path: 'hearth/meta/db', current_version: 2 })]);
    const versions = await get('/v1/secrets/hearth/meta/db/versions', 'operator-token');
    expect(versions.status).toBe(200);
    expect((JSON.parse(versions.text) as Array<{ version: number }>).map((v) => v.version)).toEqual([1, 2]);
    for (const { text } of [listed, versions]) expect(text).not.toContain('meta-value');
  });

  it('refuses no token, an unknown one, and a role the vault does not let in', async () => {
    expect((await get('/v1/secrets?prefix=hearth/')).status).toBe(401);
    expect((await get('/v1/secrets?prefix=hearth/', 'unknown-token')).status).toBe(401);
    expect(await get('/v1/secrets?prefix=hearth/', 'auditor-token')).toMatchObject({
      status: 403,
      text: expect.stringContaining('AUTH.FORBIDDEN') as unknown,
    });
  });

  it('refuses a path outside the grammar', async () => {
    expect(await get('/v1/secrets?prefix=hearth/%00', 'operator-token')).toMatchObject({
      status: 400,
      text: expect.stringContaining('VAULT.INVALID_PATH') as unknown,
    });
  });
});
