import { EngineConfig, parseRequest, type EngineInfo } from '@hearth/contracts';
import type { Command } from 'commander';
import { print } from '../output.js';
import { formatTable } from '../table.js';
import { printOut } from '../terminal.js';
import { withVault } from '../vault-session.js';

/** An engine as `get` and `configure` show it. */
const engineFields = (e: EngineInfo): string =>
  formatTable(
    ['FIELD', 'VALUE'],
    [
      ['name', e.name],
      ['address', `${e.host}:${e.port}/${e.database} (sslmode ${e.sslmode})`],
      ['root credential', `${e.root_path} v${e.root_version}${e.rotation_pending ? ' (rotation pending)' : ''}`],
      ['workspace', e.workspace ?? '-'],
      ['rotation', e.rotation_days === null ? 'when asked' : `every ${e.rotation_days} days`],
      ['last rotated', e.last_rotated_at ?? '-'],
      ['live leases', String(e.live_leases)],
      ['updated', e.updated_at],
    ],
  );

/** `hearth engine …`: the Postgres servers the vault mints leased users on. */
export function registerEngineCommands(program: Command): void {
  const engine = program
    .command('engine')
    .description('dynamic-credential engines: Postgres servers the vault makes leased users on');

  engine
    .command('configure <name>')
    .description(
      'create or replace an engine; the vault logs in with the root credential at --root-path (write it with hearth secret write first) and refuses what does not connect',
    )
    .requiredOption('--host <host>', 'host name or address')
    .option('--port <port>', 'port', Number, 5432)
    .requiredOption('--database <name>', 'database the vault connects to')
    .option('--sslmode <mode>', 'disable, require or verify-full', 'require')
    .requiredOption('--root-path <path>', 'the secret below infra/postgres/ holding username and password')
    .option('--workspace <slug>', 'the workspace whose database this is (its leases are audited under it)')
    .option('--rotation-days <n>', 'rotate the root credential every N days', Number)
    .option('--json', 'raw JSON')
    .action(
      (
        name: string,
        o: {
          host: string;
          port: number;
          database: string;
          sslmode: string;
          rootPath: string;
          workspace?: string;
          rotationDays?: number;
          json?: boolean;
        },
      ) => {
        const config = parseRequest(EngineConfig, {
          name,
          host: o.host,
          port: o.port,
          database: o.database,
          sslmode: o.sslmode,
          root_path: o.rootPath,
          workspace: o.workspace ?? null,
          rotation_days: o.rotationDays ?? null,
        });
        return withVault(async (vault) => {
          const configured = await vault.configureEngine(config);
          print(o.json, configured, () => `configured ${configured.name}\n${engineFields(configured)}`);
        });
      },
    );

  engine
    .command('health <name>')
    .description('reachable, root login valid, may create roles: a test connection now')
    .option('--json', 'raw JSON')
    .action((name: string, o: { json?: boolean }) =>
      withVault(async (vault) => {
        const health = await vault.engineHealth(name);
        const yes = (ok: boolean) => (ok ? 'yes' : 'NO');
        print(o.json, health, () =>
          formatTable(
            ['FIELD', 'VALUE'],
            [
              ['reachable', yes(health.reachable)],
              ['root login', yes(health.root_login)],
              ['may create roles', yes(health.may_create_roles)],
              ...(health.message === null ? [] : [['message', health.message]]),
              ['checked', health.checked_at],
            ],
          ),
        );
        if (!(health.reachable && health.root_login && health.may_create_roles)) process.exitCode = 1;
      }),
    );

  engine
    .command('get <name>')
    .option('--json', 'raw JSON')
    .action((name: string, o: { json?: boolean }) =>
      withVault(async (vault) => {
        const found = await vault.engine(name);
        print(o.json, found, () => engineFields(found));
      }),
    );

  engine
    .command('list')
    .option('--json', 'raw JSON')
    .action((o: { json?: boolean }) =>
      withVault(async (vault) => {
        const engines = await vault.engines();
        print(o.json, engines, () =>
          formatTable(
            ['NAME', 'ADDRESS', 'WORKSPACE', 'ROOT', 'LEASES', 'UPDATED'],
            engines.map((e) => [
              e.name,
              `${e.host}:${e.port}/${e.database}`,
              e.workspace ?? '-',
              `${e.root_path} v${e.root_version}${e.rotation_pending ? ' (rotating)' : ''}`,
              String(e.live_leases),
              e.updated_at,
            ]),
          ),
        );
      }),
    );

  engine
    .command('delete <name>')
    .description('delete an engine and its roles; refused while leases live, unless --force takes them off the books')
    .option('--force', 'take its live leases off the books (their users may remain: check the database)')
    .action((name: string, o: { force?: boolean }) =>
      withVault(async (vault) => {
        const deleted = await vault.deleteEngine(name, o.force ?? false);
        printOut(
          `deleted ${deleted.name}` +
            (deleted.leases_forced > 0 ? `; ${deleted.leases_forced} leases forced off the books` : ''),
        );
      }),
    );

  engine
    .command('rotate-root <name>')
    .description(
      'give the root credential a new password only the vault knows (two-phase: pending, applied, tested, promoted)',
    )
    .option('--json', 'raw JSON')
    .action((name: string, o: { json?: boolean }) =>
      withVault(async (vault) => {
        const rotated = await vault.rotateRoot(name);
        print(o.json, rotated, () => `rotated ${rotated.name}: ${rotated.root_path} is at v${rotated.root_version}`);
      }),
    );
}
