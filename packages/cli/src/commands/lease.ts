import { ErrorCode, HearthError, LeaseState, type LeasesRevoked } from '@hearth/contracts';
import type { Command } from 'commander';
import { parseDuration } from '../durations.js';
import { print } from '../output.js';
import { formatTable } from '../table.js';
import { printErr } from '../terminal.js';
import { withVault } from '../vault-session.js';

const ttlOf = (ttl: string | undefined) => (ttl === undefined ? undefined : parseDuration(ttl, '--ttl'));

function stateOf(state: string): LeaseState {
  const parsed = LeaseState.safeParse(state);
  if (!parsed.success) {
    throw new HearthError(ErrorCode.InvalidRequest, `--state is one of ${LeaseState.options.join(', ')}`);
  }
  return parsed.data;
}

const revokedLines = (r: LeasesRevoked): string =>
  [
    ...r.revoked.map((id) => `revoked ${id}`),
    ...r.forced.map((id) => `forced  ${id} (off the books; its user may remain in the database)`),
    ...r.failed.map((id) => `FAILED  ${id} (the sweeper keeps trying)`),
  ].join('\n') || 'nothing to revoke';

/** `hearth lease …`: database users for a while. */
export function registerLeaseCommands(program: Command): void {
  const lease = program.command('lease').description('leases: a database user made for a while, and removed after');

  lease
    .command('issue <role>')
    .description('a new database user of <role>; its password is shown here, once, to you, and kept nowhere')
    .option('--ttl <duration>', "how long (30s, 15m, 1h, 7d; default the role's)")
    .option('--json', 'raw JSON (the password included)')
    .action((role: string, o: { ttl?: string; json?: boolean }) => {
      const ttl = ttlOf(o.ttl);
      return withVault(async (vault) => {
        const issued = await vault.issueLease(role, ttl);
        print(o.json, issued, () =>
          formatTable(
            ['FIELD', 'VALUE'],
            [
              ['lease id', issued.lease_id],
              ['username', issued.username],
              ['password', issued.password],
              ['expires', issued.expires_at],
              ['renewable until', issued.max_expires_at],
            ],
          ),
        );
      });
    });

  lease
    .command('renew <lease_id>')
    .description("extend a lease, up to its role's max TTL")
    .option('--ttl <duration>', "by how long (default the role's)")
    .option('--json', 'raw JSON')
    .action((leaseId: string, o: { ttl?: string; json?: boolean }) => {
      const ttl = ttlOf(o.ttl);
      return withVault(async (vault) => {
        const renewed = await vault.renewLease(leaseId, ttl);
        print(
          o.json,
          renewed,
          () =>
            `renewed ${renewed.lease_id}: expires ${renewed.expires_at} (renewable until ${renewed.max_expires_at})`,
        );
      });
    });

  lease
    .command('revoke [lease_id]')
    .description("remove a lease's user now, or every live lease under --prefix (db/creds/<role>…)")
    .option('--prefix <prefix>', 'every live lease whose id starts so')
    .option('--force', 'take them off the books even if their database cannot be reached')
    .option('--json', 'raw JSON')
    .action((leaseId: string | undefined, o: { prefix?: string; force?: boolean; json?: boolean }) => {
      if ((leaseId === undefined) === (o.prefix === undefined)) {
        throw new HearthError(ErrorCode.InvalidRequest, 'name a lease id or --prefix, not both');
      }
      return withVault(async (vault) => {
        const options = { force: o.force ?? false };
        const result =
          leaseId !== undefined
            ? await vault.revokeLease(leaseId, options)
            : await vault.revokeLeases(o.prefix!, options);
        print(o.json, result, () => revokedLines(result));
        if (result.failed.length > 0) {
          printErr(`${result.failed.length} could not be revoked now: see hearth lease list --state active`);
          process.exitCode = 1;
        }
      });
    });

  lease
    .command('list')
    .description('leases, newest first (never a password)')
    .option('--role <name>')
    .option('--engine <name>')
    .option('--workspace <slug>')
    .option('--state <state>', LeaseState.options.join(', '))
    .option('--limit <n>', 'at most this many (1-1000)', Number)
    .option('--json', 'raw JSON')
    .action(
      (o: { role?: string; engine?: string; workspace?: string; state?: string; limit?: number; json?: boolean }) => {
        const state = o.state === undefined ? undefined : stateOf(o.state);
        return withVault(async (vault) => {
          const leases = await vault.leases({
            ...(o.role === undefined ? {} : { role: o.role }),
            ...(o.engine === undefined ? {} : { engine: o.engine }),
            ...(o.workspace === undefined ? {} : { workspace: o.workspace }),
            ...(state === undefined ? {} : { state }),
            ...(o.limit === undefined ? {} : { limit: o.limit }),
          });
          print(o.json, leases, () =>
            formatTable(
              ['LEASE ID', 'ROLE', 'ENGINE', 'USERNAME', 'STATE', 'EXPIRES', 'LAST ERROR'],
              leases.map((l) => [l.lease_id, l.role, l.engine, l.username, l.state, l.expires_at, l.last_error ?? '']),
            ),
          );
        });
      },
    );
}
