import {
  ErrorCode,
  HearthError,
  Provider,
  ResolveRequest,
  SecretWrite,
  parseRequest,
  type ResolvedCredentials,
} from '@hearth/contracts';
import type { Command } from 'commander';
import { formatTable } from '../table.js';
import { pairs, valuesOf } from '../values-input.js';
import { withVault } from '../vault-session.js';
import { printOut } from '../terminal.js';

const print = (json: boolean, value: unknown, table: () => string) =>
  printOut(json ? JSON.stringify(value, null, 2) : table());
const versionsOf = (list: string) => list.split(',').map((v) => Number(v));

/** `hearth secret …`: the vault over NATS, signed with the key file's principal. */
export function registerSecretCommands(program: Command): void {
  const secret = program
    .command('secret')
    .description('read and manage secrets in the vault (signed with HEARTH_KEY_FILE)');

  secret
    .command('read <path>')
    .description('read a USER secret (the read is recorded in HATCH first); auto-managed values are never shown')
    .option('--version <n>', 'a past version', Number)
    .option('--json', 'raw JSON')
    .action((path: string, options: { version?: number; json?: boolean }) =>
      withVault(async (vault) => {
        // Operators never see an auto-managed value: the vault refuses it (VAULT.AUTO_MANAGED_VALUE),
        // of any version, to every principal but those granted the workspace.
        const read = await vault.read(path, options.version);
        print(
          options.json ?? false,
          read,
          () =>
            formatTable(['NAME', 'VALUE'], Object.entries(read.values)) +
            `\n(version ${read.version}, read ${read.read_event_id})`,
        );
      }),
    );

  secret
    .command('write <path> <values...>')
    .description('write a new version: NAME=value, NAME=@file (the file as is) or NAME=- (stdin, one value)')
    .option('--provider <provider>', 'USER or AUTO_MANAGED', 'USER')
    .option('--cas <version>', 'check-and-set: the version expected to be current (0: new)', Number)
    .option('--tag <key=value...>', 'tags')
    .option('--description <text>', 'what it is for')
    .option('--expires-at <iso>', 'when it stops being readable')
    .option('--json', 'raw JSON')
    .action(
      (
        path: string,
        values: string[],
        o: { provider: string; cas?: number; tag?: string[]; description?: string; expiresAt?: string; json?: boolean },
      ) =>
        withVault(async (vault) => {
          const request = parseRequest(SecretWrite, {
            path,
            values: await valuesOf(values),
            provider: Provider.parse(o.provider),
            tags: pairs(o.tag, 'a tag'),
            ...(o.description ? { description: o.description } : {}),
            ...(o.expiresAt ? { expires_at: o.expiresAt } : {}),
            ...(o.cas !== undefined ? { cas: o.cas } : {}),
          });
          const written = await vault.write(request);
          print(o.json ?? false, written, () => `${written.path} is at version ${written.version}`);
        }),
    );

  secret
    .command('resolve <workspace>')
    .description(
      'what a workload of the workspace would be given: each name, the scope that wins it (workspace, team, org), its path and version, and the names refused with their code; never a value',
    )
    .option('--ref <name...>', 'only these names (as a workload names them in env_refs)')
    .option('--json', 'raw JSON')
    .action((workspace: string, o: { ref?: string[]; json?: boolean }) =>
      withVault(async (vault) => {
        const request = parseRequest(ResolveRequest, { workspace, refs: o.ref, preview: true });
        const { values, ...resolved } = await vault.resolve(request);
        // A preview is answered without values; one that carried any would be dropped here unshown.
        if (Object.keys(values).length > 0) {
          throw new HearthError(ErrorCode.Internal, 'the vault answered a preview with values: none is shown');
        }
        print(o.json ?? false, resolved, () => resolutionTable(resolved));
        // A dispatch would fail now (all names resolve or none): scripts learn it from the exit code.
        if (resolved.refused.length > 0) process.exitCode = 1;
      }),
    );

  secret
    .command('list [prefix]')
    .description('metadata of the secrets under a prefix (never values)')
    .option('--json', 'raw JSON')
    .action((prefix: string | undefined, o: { json?: boolean }) =>
      withVault(async (vault) => {
        const list = await vault.list(prefix ?? '');
        print(o.json ?? false, list, () =>
          formatTable(
            ['PATH', 'VERSION', 'PROVIDER', 'VALUES', 'TAGS', 'UPDATED'],
            list.map((s) => [
              s.path,
              String(s.current_version),
              s.provider,
              s.value_names.join(','),
              Object.entries(s.tags)
                .map(([k, v]) => `${k}=${v}`)
                .join(','),
              s.updated_at,
            ]),
          ),
        );
      }),
    );

  secret
    .command('versions <path>')
    .option('--json', 'raw JSON')
    .action((path: string, o: { json?: boolean }) =>
      withVault(async (vault) => {
        const versions = await vault.versions(path);
        print(o.json ?? false, versions, () =>
          formatTable(
            ['VERSION', 'CREATED', 'BY', 'STATE'],
            versions.map((v) => [
              String(v.version),
              v.created_at,
              v.created_by,
              v.destroyed ? 'destroyed' : v.deleted ? 'deleted' : 'live',
            ]),
          ),
        );
      }),
    );

  for (const [verb, describe] of [
    ['delete', 'soft-delete versions (undelete brings them back)'],
    ['undelete', 'bring soft-deleted versions back'],
  ] as const) {
    secret
      .command(`${verb} <path>`)
      .description(describe)
      .requiredOption('--versions <list>', 'comma-separated versions')
      .action((path: string, o: { versions: string }) =>
        withVault(async (vault) => {
          const changed = await vault[verb](path, versionsOf(o.versions));
          printOut(`${verb}d ${path} versions ${changed.versions.join(',') || '(none changed)'}`);
        }),
      );
  }

  secret
    .command('destroy <path>')
    .description('crypto-shred versions (all when none are named): nobody can read them again')
    .option('--versions <list>', 'comma-separated versions')
    .action((path: string, o: { versions?: string }) =>
      withVault(async (vault) => {
        const changed = await vault.destroy(path, o.versions ? versionsOf(o.versions) : undefined);
        printOut(`destroyed ${path} versions ${changed.versions.join(',') || '(none changed)'}`);
      }),
    );
}

/** A preview as the operator reads it: the names resolved, then those refused with their code and reason. */
export function resolutionTable(resolved: Omit<ResolvedCredentials, 'values'>): string {
  const names = formatTable(
    ['NAME', 'SCOPE', 'PATH', 'VERSION', 'TYPE'],
    resolved.names.map((n) => [n.name, n.scope, n.path, String(n.version), n.type]),
  );
  const header = `${resolved.workspace} (team ${resolved.team}, org ${resolved.org})`;
  if (resolved.refused.length === 0) return `${header}\n${names}`;
  const refused = formatTable(
    ['REFUSED', 'CODE', 'SCOPE', 'PATH', 'REASON'],
    resolved.refused.map((r) => [r.name, r.code, r.scope ?? '-', r.path ?? '-', r.reason]),
  );
  return `${header}\n${names}\n\n${refused}`;
}
