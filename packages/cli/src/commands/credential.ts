import {
  CredentialTypeDefinition,
  ErrorCode,
  HearthError,
  parseRequest,
  SecretWrite,
  type CredentialDetails,
  type SecretMetadata,
  type VaultClient,
} from '@hearth/contracts';
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { parseDuration } from '../durations.js';
import { print } from '../output.js';
import { formatTable } from '../table.js';
import { setTimeout as delay } from 'node:timers/promises';
import { pairs, valuesOf } from '../values-input.js';
import { withVault } from '../vault-session.js';

const DAY = 86_400;

/** The metadata a person reads first: what, where, whether it works. */
function summaryRows(c: SecretMetadata): string[][] {
  return [
    ['path', c.path],
    ['type', c.type_version === null ? c.type : `${c.type} (v${c.type_version})`],
    ['environment', c.environment],
    ['provider', c.provider],
    ['active', c.active ? 'yes' : 'no (reads are refused)'],
    ['version', String(c.current_version)],
    ...Object.entries(c.fields).map(([name, value]) => [name, value]),
    ['secret fields', c.value_names.filter((name) => !(name in c.fields)).join(', ') + ' (never shown)'],
    ['expires', c.expires_at ?? 'never'],
    ['last test', c.last_tested ? `${c.test_status} at ${c.last_tested}: ${c.test_message ?? ''}` : 'never tested'],
    [
      'rotation',
      [
        c.rotation_days === null ? 'on request' : `every ${c.rotation_days} days (next ${c.next_rotation_at ?? '?'})`,
        c.pending_version === null ? '' : `; version ${c.pending_version} pending`,
        c.last_rotated_at === null ? '' : `; last ${c.last_rotated_at}`,
      ].join(''),
    ],
    ['description', c.description ?? ''],
  ];
}

function detailsText(c: CredentialDetails): string {
  const history = c.history.map((h) => [
    h.at,
    h.type.replace(/V\d+$/, ''),
    h.by,
    h.version === null ? '' : String(h.version),
    Object.entries(h.detail)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' '),
  ]);
  return [
    formatTable(['FIELD', 'VALUE'], summaryRows(c)),
    formatTable(
      ['VERSION', 'CREATED', 'BY', 'STATE'],
      c.versions.map((v) => [
        String(v.version),
        v.created_at,
        v.created_by,
        v.destroyed ? 'destroyed' : v.deleted ? 'deleted' : 'live',
      ]),
    ),
    formatTable(['AT', 'EVENT', 'BY', 'VERSION', 'DETAIL'], history),
  ].join('\n\n');
}

/** Asks (bounded) until an AUTO_MANAGED rotation is promoted or dropped: its driver applies it in its own time. */
async function settled(
  vault: VaultClient,
  path: string,
  version: number,
  timeoutMs: number,
): Promise<CredentialDetails> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const details = await vault.credential(path);
    if (details.pending_version !== version) return details;
    if (Date.now() >= deadline) {
      throw new HearthError(
        ErrorCode.Unavailable,
        `version ${version} of ${path} is still pending after ${timeoutMs / 1000} s: its driver applies it when it can (hearth credential get ${path})`,
      );
    }
    await delay(500);
  }
}

interface WriteOptions {
  type?: string;
  environment?: string;
  tag?: string[];
  description?: string;
  expiresAt?: string;
  rotateEvery?: string;
  json?: boolean;
}

function writeCommand(command: Command, verb: 'create' | 'update'): void {
  command
    .option('--environment <name>', 'production, staging, … (default production)')
    .option('--tag <key=value...>', 'tags')
    .option('--description <text>', 'what it is for')
    .option('--expires-at <iso>', 'when reads start being refused (EXPIRED)')
    .option('--json', 'raw JSON')
    .action((path: string, fields: string[], o: WriteOptions) =>
      withVault(async (vault) => {
        // An update keeps what it is not told to change: a write states the whole metadata, and its
        // defaults (generic, production, no tags, no expiry) would change the type (refused) or
        // silently drop an expiry.
        const current = verb === 'update' ? await vault.credential(path) : undefined;
        const type = o.type ?? current?.type;
        const environment = o.environment ?? current?.environment;
        const description = o.description ?? current?.description ?? undefined;
        const expiresAt = o.expiresAt ?? current?.expires_at ?? undefined;
        const request = parseRequest(SecretWrite, {
          path,
          values: await valuesOf(fields),
          ...(type ? { type } : {}),
          ...(environment ? { environment } : {}),
          tags: o.tag || !current ? pairs(o.tag, 'a tag') : current.tags,
          ...(description ? { description } : {}),
          ...(expiresAt ? { expires_at: expiresAt } : {}),
          // create refuses a path that exists; update writes a new version of the one it read
          cas: current?.current_version ?? 0,
        });
        const written = await vault.write(request);
        print(o.json, written, () => `${written.path} is at version ${written.version}`);
      }),
    );
}

/** `hearth credential …`: typed credentials in the vault (signed with HEARTH_KEY_FILE). */
export function registerCredentialCommands(program: Command): void {
  const credential = program
    .command('credential')
    .description('typed credentials: create, test, rotate, deactivate, delete (values never shown)');

  credential
    .command('types')
    .description('the credential types: their fields, which are secret, how each is tested')
    .option('--json', 'raw JSON')
    .action((o: { json?: boolean }) =>
      withVault(async (vault) => {
        const types = await vault.credentialTypes();
        print(o.json, types, () =>
          formatTable(
            ['TYPE', 'NAME', 'CATEGORY', 'FIELDS (* required, secret in [])', 'TEST', 'VERSION'],
            types.map((t) => [
              t.name,
              t.display_name,
              t.category,
              t.fields
                .map((f) => {
                  const name = `${f.name}${f.required ? '*' : ''}`;
                  return f.kind === 'password' || f.kind === 'hidden' ? `[${name}]` : name;
                })
                .join(' '),
              t.tester ?? '-',
              t.system ? 'system' : `v${t.version}`,
            ]),
          ),
        );
      }),
    );

  credential
    .command('define-type <file>')
    .description(
      'add or redefine (as a new version) a custom type from a JSON file: name, display_name, category, fields',
    )
    .option('--json', 'raw JSON')
    .action((file: string, o: { json?: boolean }) =>
      withVault(async (vault) => {
        const definition = parseRequest(CredentialTypeDefinition, JSON.parse(await readFile(file, 'utf8')));
        const defined = await vault.defineCredentialType(definition);
        print(o.json, defined, () => `${defined.name} is at version ${defined.version}`);
      }),
    );

  writeCommand(
    credential
      .command('create <path> <fields...>')
      .description('a new credential: FIELD=value, FIELD=@file or FIELD=- (stdin) for each field of its type')
      .requiredOption('--type <type>', 'its type (hearth credential types)'),
    'create',
  );
  writeCommand(
    credential
      .command('update <path> <fields...>')
      .description(
        'a new version of a credential, every field given again (FIELD=value, @file or -); type, environment, tags, description and expiry kept unless given',
      )
      .option('--type <type>', 'its type, which does not change'),
    'update',
  );

  credential
    .command('get <path>')
    .description('metadata, last test, rotation, versions and history (never a value)')
    .option('--json', 'raw JSON')
    .action((path: string, o: { json?: boolean }) =>
      withVault(async (vault) => {
        const details = await vault.credential(path);
        print(o.json, details, () => detailsText(details));
      }),
    );

  credential
    .command('list [prefix]')
    .description('credentials under a prefix, filtered (never a value)')
    .option('--type <type>')
    .option('--environment <name>')
    .option('--inactive', 'only deactivated ones')
    .option('--active', 'only active ones')
    .option('--expiring-within <duration>', 'only those expiring within 30s, 12h, 7d …')
    .option('--json', 'raw JSON')
    .action(
      (
        prefix: string | undefined,
        o: {
          type?: string;
          environment?: string;
          inactive?: boolean;
          active?: boolean;
          expiringWithin?: string;
          json?: boolean;
        },
      ) => {
        if (o.active && o.inactive) throw new HearthError(ErrorCode.InvalidRequest, '--active or --inactive, not both');
        const within =
          o.expiringWithin === undefined ? undefined : parseDuration(o.expiringWithin, '--expiring-within');
        return withVault(async (vault) => {
          const list = await vault.list(prefix ?? '', {
            ...(o.type ? { type: o.type } : {}),
            ...(o.environment ? { environment: o.environment } : {}),
            ...(o.active ? { active: true } : o.inactive ? { active: false } : {}),
            ...(within === undefined ? {} : { expiring_within_seconds: within }),
          });
          print(o.json, list, () =>
            formatTable(
              ['PATH', 'TYPE', 'ENV', 'PROVIDER', 'VERSION', 'ACTIVE', 'EXPIRES', 'TEST'],
              list.map((c) => [
                c.path,
                c.type,
                c.environment,
                c.provider,
                String(c.current_version),
                c.active ? 'yes' : 'no',
                c.expires_at ?? '',
                c.test_status ?? '',
              ]),
            ),
          );
        });
      },
    );

  credential
    .command('test <path>')
    .description('log in (or make the request) with the current version; the result is kept and audited')
    // The vault answers TIMEOUT only once its own test timeout (VAULT_CREDENTIAL_TEST_TIMEOUT_MS, at most
    // 120 s) has passed: the CLI waits longer, else it would give up on the answer it is waiting for.
    .option('--timeout <duration>', "how long to wait for the vault's answer", '125s')
    .option('--json', 'raw JSON')
    .action((path: string, o: { timeout: string; json?: boolean }) => {
      const timeoutMs = parseDuration(o.timeout, '--timeout') * 1000;
      return withVault(
        async (vault) => {
          const result = await vault.testCredential(path);
          print(o.json, result, () => `${result.status}: ${result.message} (version ${result.version})`);
          if (result.status !== 'OK') process.exitCode = 1;
        },
        { timeoutMs },
      );
    });

  credential
    .command('rotate <path> [fields...]')
    .description(
      'rotate: a USER credential takes the new fields given (FIELD=value, @file or -); an AUTO_MANAGED one gets a new value the vault makes and its sidecar applies',
    )
    .option('--no-wait', 'do not wait for an AUTO_MANAGED rotation to be applied')
    .option('--timeout <duration>', 'how long to wait for it', '60s')
    .option('--json', 'raw JSON')
    .action((path: string, fields: string[], o: { wait: boolean; timeout: string; json?: boolean }) => {
      const timeoutMs = parseDuration(o.timeout, '--timeout') * 1000;
      return withVault(async (vault) => {
        const values = fields.length === 0 ? undefined : await valuesOf(fields);
        const rotation = await vault.rotateCredential(path, values);
        if (rotation.state === 'promoted' || !o.wait) {
          print(o.json, rotation, () => `${path}: version ${rotation.version} ${rotation.state}`);
          return;
        }
        const after = await settled(vault, path, rotation.version, timeoutMs);
        const promoted = after.current_version === rotation.version;
        print(o.json, after, () =>
          promoted
            ? `${path}: version ${rotation.version} applied in its sidecar and current`
            : `${path}: the rotation to version ${rotation.version} was abandoned; version ${after.current_version} stays current (see hearth credential get ${path})`,
        );
        if (!promoted) process.exitCode = 1;
      });
    });

  credential
    .command('schedule <path>')
    .description('rotate an AUTO_MANAGED credential every N days (--every 30d), or only on request (--off)')
    .option('--every <duration>', 'whole days: 30d')
    .option('--off', 'no schedule')
    .option('--json', 'raw JSON')
    .action((path: string, o: { every?: string; off?: boolean; json?: boolean }) => {
      if ((o.every === undefined) === (o.off === undefined)) {
        throw new HearthError(ErrorCode.InvalidRequest, '--every <days>d or --off');
      }
      const seconds = o.every === undefined ? null : parseDuration(o.every, '--every');
      if (seconds !== null && seconds % DAY !== 0) {
        throw new HearthError(ErrorCode.InvalidRequest, '--every is whole days (30d)');
      }
      return withVault(async (vault) => {
        const details = await vault.scheduleRotation(path, seconds === null ? null : seconds / DAY);
        print(o.json, details, () =>
          details.rotation_days === null
            ? `${path} rotates on request only`
            : `${path} rotates every ${details.rotation_days} days, next ${details.next_rotation_at}`,
        );
      });
    });

  for (const [verb, active] of [
    ['deactivate', false],
    ['activate', true],
  ] as const) {
    credential
      .command(`${verb} <path>`)
      .description(active ? 'reads are served again' : 'refuse every read (recorded as INACTIVE) until activated')
      .option('--json', 'raw JSON')
      .action((path: string, o: { json?: boolean }) =>
        withVault(async (vault) => {
          const details = await vault.setCredentialActive(path, active);
          print(o.json, details, () => `${path} is ${details.active ? 'active' : 'inactive'}`);
        }),
      );
  }

  credential
    .command('delete <path>')
    .description('crypto-shred every version: nobody can read any of them again')
    .option('--json', 'raw JSON')
    .action((path: string, o: { json?: boolean }) =>
      withVault(async (vault) => {
        const destroyed = await vault.destroy(path);
        print(
          o.json,
          destroyed,
          () => `deleted ${path}: versions ${destroyed.versions.join(',') || '(none left)'} shredded`,
        );
      }),
    );
}
