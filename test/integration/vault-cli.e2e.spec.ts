import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SecretMetadata, SecretVersionInfo, type PrincipalKeys, type OpenedSecret } from '@hearth/contracts';
import { runCli, startNats, startVaultProcess, type CliRun, type RunningVault, type TestNats } from '@hearth/testkit';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A key file as `principal create --out` writes it. */
const keyFileAt = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as PrincipalKeys & { name: string };

describe('the hearth CLI against a running vault', () => {
  let nats: TestNats;
  let vault: RunningVault;
  /** The CLI runs here, with the root key file the vault was started with. */
  let workDir: string;
  let rootKeyFile: string;
  const value = (label: string) => `${label}-${randomBytes(8).toString('hex')}`;

  /** `hearth …` as an operator types it, signing with `keyFile`, with `input` on stdin. */
  const hearth = (args: string[], keyFile = rootKeyFile, input = '') =>
    runCli(args, {
      cwd: workDir,
      env: { ...process.env, NATS_URL: nats.url, HEARTH_KEY_FILE: keyFile, VAULT_SEAL_PUBLIC_KEY: vault.sealPublicKey },
      input,
    });
  /** The --json output of a run that succeeded. */
  const json = <T>(run: CliRun): T => {
    expect(run).toMatchObject({ code: 0 });
    return JSON.parse(run.stdout) as T;
  };
  const metadata = (run: CliRun) => SecretMetadata.array().parse(json(run));
  const versions = (run: CliRun) => SecretVersionInfo.array().parse(json(run));

  beforeAll(async () => {
    nats = await startNats();
    vault = await startVaultProcess(nats.url, { LOG_LEVEL: 'info' });
    workDir = await mkdtemp(join(tmpdir(), 'hearth-vault-cli-'));
    rootKeyFile = join(workDir, 'root.json');
    await writeFile(rootKeyFile, JSON.stringify({ name: 'root', ...vault.rootKeys }), { mode: 0o600 });
  });
  afterAll(async () => {
    await vault?.stop();
    await nats?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('creates a principal whose key file is written once, mode 600, and never printed', async () => {
    const run = await hearth(['principal', 'create', 'cli-app', '--out', 'cli-app.json']);
    expect(run).toMatchObject({ code: 0, stdout: 'created cli-app; its key file is cli-app.json\n' });
    const file = join(workDir, 'cli-app.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const key = await keyFileAt(file);
    expect(Object.keys(key).sort()).toEqual(['name', 'publicKey', 'secretKey']);
    expect(key.name).toBe('cli-app');
    expect(run.stdout + run.stderr).not.toContain(key.secretKey);

    // Never overwritten, and no principal is made whose key would be lost.
    const again = await hearth(['principal', 'create', 'cli-other', '--out', 'cli-app.json']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('cli-app.json exists');
    expect((await keyFileAt(file)).secretKey).toBe(key.secretKey);
    const orphan = await hearth(['principal', 'grant', 'cli-other', 'hearth/*', '--caps', 'read']);
    expect(orphan.stderr).toContain('error VAULT.PRINCIPAL_NOT_FOUND:');

    // A refused create leaves no key file behind.
    const taken = await hearth(['principal', 'create', 'cli-app', '--out', 'taken.json']);
    expect(taken.stderr).toContain('error VAULT.PRINCIPAL_EXISTS:');
    await expect(stat(join(workDir, 'taken.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes from NAME=value, NAME=@file and NAME=- (stdin), a version each', async () => {
    const [inline, fromFile, fromStdin] = [value('inline'), value('file'), value('stdin')];
    const first = await hearth(['secret', 'write', 'hearth/cli/api', `API_KEY=${inline}`, '--json']);
    expect(json<{ version: number }>(first).version).toBe(1);
    await writeFile(join(workDir, 'api-key'), fromFile, { mode: 0o600 });
    const second = await hearth(['secret', 'write', 'hearth/cli/api', 'API_KEY=@api-key']);
    expect(second).toMatchObject({ code: 0, stdout: 'hearth/cli/api is at version 2\n' });
    const third = await hearth(
      ['secret', 'write', 'hearth/cli/api', 'API_KEY=-', 'REGION=eu'],
      rootKeyFile,
      `${fromStdin}\n`,
    );
    expect(third).toMatchObject({ code: 0, stdout: 'hearth/cli/api is at version 3\n' });

    const reads = await Promise.all(
      [1, 2, 3].map((v) => hearth(['secret', 'read', 'hearth/cli/api', '--version', String(v), '--json'])),
    );
    expect(reads.map((r) => json<OpenedSecret>(r).values)).toEqual([
      { API_KEY: inline },
      { API_KEY: fromFile },
      { API_KEY: fromStdin, REGION: 'eu' },
    ]);

    const missing = await hearth(['secret', 'write', 'hearth/cli/api', 'API_KEY=@no-such-file']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read the file named for API_KEY');
    // What follows the @ may be a value typed by mistake: it is never echoed.
    expect(missing.stderr).not.toContain('no-such-file');
  });

  it('changes what a principal may do with grant and revoke', async () => {
    const app = join(workDir, 'cli-app.json');
    expect((await hearth(['secret', 'read', 'hearth/cli/api'], app)).stderr).toContain('error VAULT.POLICY_DENIED:');

    const refused = await hearth(['principal', 'grant', 'cli-app', 'hearth/cli*', '--caps', 'read,list']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error VAULT.INVALID_PATTERN:');

    const granted = await hearth(['principal', 'grant', 'cli-app', 'hearth/cli/*', '--caps', 'read,list']);
    expect(granted).toMatchObject({ code: 0, stdout: 'allow read,list on hearth/cli/* for cli-app\n' });
    const read = json<OpenedSecret>(await hearth(['secret', 'read', 'hearth/cli/api', '--json'], app));
    expect(read).toMatchObject({ path: 'hearth/cli/api', version: 3 });
    const listed = metadata(await hearth(['secret', 'list', 'hearth/cli/', '--json'], app));
    expect(listed.map((s) => [s.path, s.value_names])).toEqual([['hearth/cli/api', ['API_KEY', 'REGION']]]);

    const revoked = await hearth(['principal', 'revoke', 'cli-app', 'hearth/cli/*']);
    expect(revoked).toMatchObject({ code: 0, stdout: 'revoked hearth/cli/* from cli-app\n' });
    expect((await hearth(['secret', 'read', 'hearth/cli/api'], app)).stderr).toContain('error VAULT.POLICY_DENIED:');
    expect((await hearth(['secret', 'list', 'hearth/cli/'], app)).stderr).toContain('error VAULT.POLICY_DENIED:');
  });

  it('removes a principal: its key is refused from then on, and root is never removed', async () => {
    expect((await hearth(['principal', 'create', 'cli-gone', '--out', 'cli-gone.json'])).code).toBe(0);
    const gone = join(workDir, 'cli-gone.json');
    expect((await hearth(['secret', 'read', 'hearth/cli/api'], gone)).stderr).toContain('error VAULT.POLICY_DENIED:');
    expect(await hearth(['principal', 'remove', 'cli-gone'])).toMatchObject({ code: 0 });
    expect((await hearth(['secret', 'read', 'hearth/cli/api'], gone)).stderr).toContain('error VAULT.BAD_SIGNATURE:');
    expect((await hearth(['principal', 'remove', 'root'])).stderr).toContain('error VAULT.POLICY_DENIED:');
  });

  it('lists, shows versions, deletes, undeletes and destroys', async () => {
    const table = await hearth(['secret', 'list', 'hearth/cli/']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]!.split(/\s+/)).toEqual([
      'PATH',
      'VERSION',
      'PROVIDER',
      'VALUES',
      'TAGS',
      'UPDATED',
    ]);
    expect(table.stdout).toMatch(/^hearth\/cli\/api\s+3\s+USER\s+API_KEY,REGION\s/m);

    const states = async () =>
      versions(await hearth(['secret', 'versions', 'hearth/cli/api', '--json'])).map((v) =>
        v.destroyed ? 'destroyed' : v.deleted ? 'deleted' : 'live',
      );
    expect(await states()).toEqual(['live', 'live', 'live']);

    expect(await hearth(['secret', 'delete', 'hearth/cli/api', '--versions', '3'])).toMatchObject({
      code: 0,
      stdout: 'deleted hearth/cli/api versions 3\n',
    });
    expect(await states()).toEqual(['live', 'live', 'deleted']);
    expect((await hearth(['secret', 'read', 'hearth/cli/api'])).stderr).toContain('error VAULT.SECRET_NOT_FOUND:');
    expect((await hearth(['secret', 'undelete', 'hearth/cli/api', '--versions', '3'])).code).toBe(0);
    expect(json<OpenedSecret>(await hearth(['secret', 'read', 'hearth/cli/api', '--json'])).version).toBe(3);

    expect(await hearth(['secret', 'destroy', 'hearth/cli/api', '--versions', '1'])).toMatchObject({
      code: 0,
      stdout: 'destroyed hearth/cli/api versions 1\n',
    });
    expect(await states()).toEqual(['destroyed', 'live', 'live']);
    expect((await hearth(['secret', 'read', 'hearth/cli/api', '--version', '1'])).stderr).toContain(
      'error VAULT.SECRET_NOT_FOUND:',
    );
    expect((await hearth(['secret', 'destroy', 'hearth/cli/api'])).code).toBe(0);
    expect(await states()).toEqual(['destroyed', 'destroyed', 'destroyed']);
  });
});
