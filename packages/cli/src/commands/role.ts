import type { LeaseRoleInfo } from '@hearth/contracts';
import type { Command } from 'commander';
import { print } from '../output.js';
import { readRoleFile, roleRequest, type RoleOptions } from '../role-spec.js';
import { formatTable } from '../table.js';
import { printOut } from '../terminal.js';
import { withVault } from '../vault-session.js';

const repeated = (value: string, previous: string[] = []) => [...previous, value];
const statements = (list: readonly string[]) => (list.length === 0 ? '(built-in)' : list.join('\n'));

const roleFields = (r: LeaseRoleInfo): string =>
  formatTable(
    ['FIELD', 'VALUE'],
    [
      ['name', r.name],
      ['engine', r.engine],
      ['default ttl', `${r.default_ttl}s`],
      ['max ttl', `${r.max_ttl}s`],
      ['username template', r.username_template],
      ['live leases', String(r.live_leases)],
      ['updated', r.updated_at],
    ],
  ) +
  (
    [
      ['creation', r.creation_statements],
      ['revocation', r.revocation_statements],
      ['renew', r.renew_statements],
      ['rollback', r.rollback_statements],
    ] as const
  )
    .map(([kind, list]) => `\n\n${kind} statements:\n${statements(list)}`)
    .join('');

/** `hearth role …`: what a leased database user is made of. */
export function registerRoleCommands(program: Command): void {
  const role = program
    .command('role')
    .description('dynamic-credential roles: the statements a leased user is made with');

  role
    .command('create <name>')
    .description(
      'create or replace a role, from options or --file role.yaml|json (options override its fields); placeholders {{name}}, {{password}}, {{expiration}}',
    )
    .option('--file <path>', "the role as YAML or JSON (the vault's field names; TTLs as seconds or 1h)")
    .option('--engine <name>', 'the engine it makes users on')
    .option('--creation-statement <sql>', 'run to make the user (repeatable)', repeated)
    .option(
      '--revocation-statement <sql>',
      'run to remove it (repeatable; default: the built-in complete revocation)',
      repeated,
    )
    .option('--renew-statement <sql>', 'run on renewal (repeatable)', repeated)
    .option('--rollback-statement <sql>', 'run when creation fails (repeatable)', repeated)
    .option('--default-ttl <duration>', "a lease's TTL when its caller names none (30s, 15m, 1h, 7d)")
    .option('--max-ttl <duration>', 'how long renewals can keep a lease')
    .option('--username-template <template>', '{{role}}, {{random}}, {{unix_time}}')
    .option('--json', 'raw JSON')
    .action(async (name: string, o: RoleOptions & { file?: string; json?: boolean }) => {
      const request = roleRequest(name, o.file === undefined ? {} : await readRoleFile(o.file), o);
      await withVault(async (vault) => {
        const defined = await vault.defineRole(request);
        print(o.json, defined, () => `defined ${defined.name} on ${defined.engine}\n${roleFields(defined)}`);
      });
    });

  role
    .command('get <name>')
    .option('--json', 'raw JSON')
    .action((name: string, o: { json?: boolean }) =>
      withVault(async (vault) => {
        const found = await vault.role(name);
        print(o.json, found, () => roleFields(found));
      }),
    );

  role
    .command('list')
    .option('--engine <name>', "one engine's roles")
    .option('--json', 'raw JSON')
    .action((o: { engine?: string; json?: boolean }) =>
      withVault(async (vault) => {
        const roles = await vault.roles(o.engine);
        print(o.json, roles, () =>
          formatTable(
            ['NAME', 'ENGINE', 'DEFAULT TTL', 'MAX TTL', 'LEASES', 'UPDATED'],
            roles.map((r) => [
              r.name,
              r.engine,
              `${r.default_ttl}s`,
              `${r.max_ttl}s`,
              String(r.live_leases),
              r.updated_at,
            ]),
          ),
        );
      }),
    );

  role.command('delete <name>').action((name: string) =>
    withVault(async (vault) => {
      const deleted = await vault.deleteRole(name);
      printOut(`deleted ${deleted.name}`);
    }),
  );
}
